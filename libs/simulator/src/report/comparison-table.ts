import { PRIORITY_CLASSES } from '#switchyard/contracts';
import type { SimulationResult } from '../simulation-result.js';
import { formatBytes, formatDuration } from '../units.js';

/** One row of the comparison: a label and a cell per run. */
export interface ComparisonRow {
  label: string;
  cells: string[];
}

/** The figures the issue asks for, one row each, one column per policy. */
export function comparisonRows(results: SimulationResult[]): ComparisonRow[] {
  const row = (label: string, cell: (r: SimulationResult) => string): ComparisonRow => ({
    label,
    cells: results.map(cell),
  });
  const base = results.find((r) => r.policy === 'lru') ?? results[0];
  const rows: ComparisonRow[] = [];
  for (const cls of PRIORITY_CLASSES) {
    if (results.every((r) => r.metrics.classes[cls].arrived === 0)) continue;
    rows.push(
      row(`SLA ${cls}`, (r) => {
        const c = r.metrics.classes[cls];
        return `${pct(c.slaAttainment)} (${c.slaMet}/${c.arrived})`;
      }),
    );
  }
  rows.push(
    row('goodput tok/s', (r) => {
      const ratio =
        base.metrics.goodputTokensPerSecond > 0
          ? r.metrics.goodputTokensPerSecond / base.metrics.goodputTokensPerSecond
          : NaN;
      return `${r.metrics.goodputTokensPerSecond.toFixed(1)}${r === base ? '' : ` (${ratio.toFixed(2)}× ${base.policy})`}`;
    }),
    row('throughput tok/s', (r) => r.metrics.throughputTokensPerSecond.toFixed(1)),
  );
  for (const cls of PRIORITY_CLASSES) {
    if (results.every((r) => r.metrics.classes[cls].completed === 0)) continue;
    rows.push(
      row(
        `TTFT p50/p99 ${cls}`,
        (r) =>
          `${formatDuration(r.metrics.classes[cls].ttftP50Ms)} / ${formatDuration(r.metrics.classes[cls].ttftP99Ms)}`,
      ),
      row(
        `completion p50/p99 ${cls}`,
        (r) =>
          `${formatDuration(r.metrics.classes[cls].completionP50Ms)} / ${formatDuration(r.metrics.classes[cls].completionP99Ms)}`,
      ),
    );
  }
  rows.push(
    row(
      'preemptions (cost)',
      (r) =>
        `${r.metrics.preemptions.count} (${formatDuration(r.metrics.preemptions.totalCostMs)})`,
    ),
    row(
      'loads (bytes read)',
      (r) => `${r.metrics.loads.count} (${formatBytes(r.metrics.loads.bytesRead)})`,
    ),
    row(
      're-offloads / refused loads',
      (r) => `${r.metrics.loads.reoffloads} / ${r.metrics.loads.refused}`,
    ),
    row('device utilisation', (r) => pct(r.metrics.utilisation.mean)),
    row(
      'unfinished / failed jobs',
      (r) => `${r.metrics.jobs.unfinished} / ${r.metrics.jobs.failed}`,
    ),
    row('makespan', (r) => formatDuration(r.metrics.makespanMs)),
    row('decide() calls', (r) => String(r.metrics.scheduler.rounds)),
  );
  return rows;
}

/** The comparison as a plain-text table for a terminal. */
export function renderComparisonTable(
  results: SimulationResult[],
  options: { wallTime?: boolean } = {},
): string {
  const rows = comparisonRows(results);
  if (options.wallTime) {
    rows.push({
      label: 'wall time',
      cells: results.map((r) => formatDuration(r.performance.wallMs)),
    });
  }
  const header = ['', ...results.map((r) => r.policy)];
  const lines = [header, ...rows.map((r) => [r.label, ...r.cells])];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    render(header),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...lines.slice(1).map(render),
  ].join('\n');
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
