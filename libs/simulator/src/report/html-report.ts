import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import type { Scenario } from '../scenario.js';
import type { SimulationResult } from '../simulation-result.js';
import { formatBytes, formatDuration } from '../units.js';
import { comparisonRows } from './comparison-table.js';
import { esc, renderLineChart, type ChartSeries } from './svg-line-chart.js';

/** Options of the HTML report. */
export interface HtmlReportOptions {
  /** Show each run's wall time (leave out for byte-identical reports across runs). */
  performance?: boolean;
  /** The command line that produced the report, shown under the title. */
  command?: string;
}

const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];
const CLASS_COLORS: Record<PriorityClass, string> = {
  interactive: '#d62728',
  standard: '#1f77b4',
  batch: '#7f7f7f',
};
/** Above this many workers, memory is charted per device kind instead of per worker. */
const MAX_WORKER_LINES = 16;
const CDF_POINTS = 300;

/**
 * A self-contained HTML page comparing the runs of one scenario: the figures table, latency CDFs
 * per class, queue depth and per-device memory over time, all as inline SVG (no script, no CDN).
 */
export function renderHtmlReport(
  scenario: Scenario,
  results: SimulationResult[],
  options: HtmlReportOptions = {},
): string {
  const policyColor = (i: number) => PALETTE[i % PALETTE.length];
  const sections: string[] = [];
  sections.push(
    `<h1>${esc(scenario.name)}: ${results.map((r) => esc(r.policy)).join(' vs ')}</h1>`,
  );
  sections.push(`<p>${esc(scenario.description)}</p>`);
  if (options.command) sections.push(`<p><code>${esc(options.command)}</code></p>`);
  sections.push(scenarioSummary(scenario, results[0]?.seed ?? scenario.seed));

  const rows = comparisonRows(results);
  if (options.performance) {
    rows.push({
      label: 'wall time',
      cells: results.map((r) => formatDuration(r.performance.wallMs)),
    });
  }
  sections.push(
    '<h2>Figures</h2><table><thead><tr><th></th>' +
      results.map((r) => `<th>${esc(r.policy)}</th>`).join('') +
      '</tr></thead><tbody>' +
      rows
        .map(
          (row) =>
            `<tr><th>${esc(row.label)}</th>${row.cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`,
        )
        .join('') +
      '</tbody></table>',
  );

  sections.push(
    '<h2>Latency distributions</h2><p>Share of the class\'s arrived jobs done within a time (jobs that never finished keep a curve below 1).</p><div class="grid">',
  );
  for (const cls of PRIORITY_CLASSES) {
    if (results.every((r) => r.metrics.classes[cls].arrived === 0)) continue;
    for (const [metric, label] of [
      ['ttftMs', 'time to first token'],
      ['completionMs', 'completion time'],
    ] as const) {
      sections.push(
        renderLineChart({
          title: `${cls}: ${label}`,
          xLabel: `${label} (log scale)`,
          yLabel: 'share of jobs',
          xLog: true,
          yMin: 0,
          yMax: 1,
          xFormat: formatDuration,
          yFormat: (y) => `${Math.round(y * 100)}%`,
          series: results.map((r, i) => ({
            name: r.policy,
            color: policyColor(i),
            points: cdf(r.latencies[cls][metric], r.metrics.classes[cls].arrived),
          })),
        }),
      );
    }
  }
  sections.push('</div>');

  sections.push(
    '<h2>Queue depth over time</h2><p>Jobs waiting (queue and scheduler window), mean per interval.</p><div class="grid">',
  );
  for (const r of results) {
    sections.push(
      renderLineChart({
        title: `${r.policy}: jobs waiting`,
        xLabel: 'simulated time',
        xTime: true,
        yLabel: 'jobs',
        xFormat: formatDuration,
        series: PRIORITY_CLASSES.filter((c) => r.metrics.classes[c].arrived > 0).map((cls) => ({
          name: cls,
          color: CLASS_COLORS[cls],
          step: true,
          points: r.queueTimeline[cls],
        })),
      }),
    );
  }
  sections.push('</div>');

  const perWorker = (results[0]?.workers.length ?? 0) <= MAX_WORKER_LINES;
  sections.push(
    `<h2>Memory over time</h2><p>${perWorker ? 'Memory in use per worker' : 'Mean share of the memory budget in use, per device kind'}, highest value per interval.</p><div class="grid">`,
  );
  for (const r of results) {
    sections.push(
      renderLineChart({
        title: `${r.policy}: ${perWorker ? 'memory per worker' : 'memory per device kind'}`,
        xLabel: 'simulated time',
        xTime: true,
        yLabel: perWorker ? 'GiB' : 'share of budget',
        xFormat: formatDuration,
        yFormat: perWorker ? undefined : (y) => `${Math.round(y * 100)}%`,
        yMax: perWorker ? undefined : 1,
        series: perWorker ? memoryPerWorker(r) : memoryPerDevice(r),
      }),
    );
  }
  sections.push('</div>');

  sections.push(
    '<h2>Utilisation per device</h2><table><thead><tr><th></th>' +
      results.map((r) => `<th>${esc(r.policy)}</th>`).join('') +
      '</tr></thead><tbody>' +
      Object.keys(results[0]?.metrics.utilisation.byDevice ?? {})
        .map(
          (d) =>
            `<tr><th>${esc(d)}</th>${results.map((r) => `<td>${((r.metrics.utilisation.byDevice[d] ?? 0) * 100).toFixed(1)}%</td>`).join('')}</tr>`,
        )
        .join('') +
      '</tbody></table>',
  );

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard simulation: ${esc(scenario.name)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1340px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:right}
th:first-child{text-align:left}thead th{border-bottom:2px solid #bbb}
.grid{display:flex;flex-wrap:wrap;gap:12px}
svg{background:#fff;border:1px solid #e5e5e5}
svg .title{font-size:13px;font-weight:600}svg .tick{font-size:10px;fill:#555}svg .label{font-size:11px;fill:#333}
svg .legend{font-size:11px}svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#999}svg .empty{fill:#999}
code{background:#f4f4f4;padding:2px 4px}
</style></head><body>
${sections.join('\n')}
</body></html>
`;
}

function scenarioSummary(scenario: Scenario, seed: number): string {
  const fleet = scenario.fleet
    .map(
      (g) =>
        `${g.count} × ${g.device} (budget ${formatBytes(g.memoryBudgetBytes)}, ${g.slotsPerModel} slots per model, ${g.maxConcurrentJobs} jobs)`,
    )
    .join('; ');
  const models = scenario.models
    .map((m) => `${m.name} (${formatBytes(m.spec.fileBytes)})`)
    .join(', ');
  const streams = scenario.workload
    .map((s) => {
      const classes = Object.entries(s.classMix)
        .filter(([, w]) => (w ?? 0) > 0)
        .map(([c]) => c)
        .join('/');
      return `${s.name} (${classes}, ${s.arrival.type})`;
    })
    .join('; ');
  const sla = PRIORITY_CLASSES.map((c) => {
    const t = scenario.settings.sla[c];
    const parts = [
      t.timeToFirstTokenMs !== undefined
        ? `first token ≤ ${formatDuration(t.timeToFirstTokenMs)}`
        : '',
      t.completionMs !== undefined ? `done ≤ ${formatDuration(t.completionMs)}` : '',
    ].filter(Boolean);
    return `${c}: ${parts.join(', ') || 'none'}`;
  }).join('; ');
  return (
    '<table class="summary"><tbody>' +
    [
      ['seed', String(seed)],
      [
        'duration',
        `${formatDuration(scenario.durationMs)} of arrivals, drained up to ${formatDuration(scenario.drainMs)} more`,
      ],
      ['context size', `${scenario.contextSize} tokens`],
      ['fleet', fleet],
      ['models', models],
      ['workload', streams],
      ['SLA', sla],
    ]
      .map(([k, v]) => `<tr><th>${esc(k)}</th><td style="text-align:left">${esc(v)}</td></tr>`)
      .join('') +
    '</tbody></table>'
  );
}

/** Points of the empirical CDF over `total` jobs, thinned to CDF_POINTS. */
function cdf(sorted: Float64Array, total: number): [number, number][] {
  const n = sorted.length;
  if (n === 0 || total === 0) return [];
  const points: [number, number][] = [];
  const steps = Math.min(n, CDF_POINTS);
  for (let i = 0; i < steps; i++) {
    const index = steps === 1 ? n - 1 : Math.round((i / (steps - 1)) * (n - 1));
    points.push([Math.max(sorted[index], 0.01), (index + 1) / total]);
  }
  return points;
}

function memoryPerWorker(r: SimulationResult): ChartSeries[] {
  return r.workers.map((w, i) => ({
    name: w.id,
    color: PALETTE[i % PALETTE.length],
    step: true,
    points: r.memoryTimeline[i].map(([t, bytes]) => [t, bytes / 1024 ** 3] as [number, number]),
  }));
}

function memoryPerDevice(r: SimulationResult): ChartSeries[] {
  const devices = [...new Set(r.workers.map((w) => w.device))];
  return devices.map((device, i) => {
    const members = r.workers
      .map((w, index) => ({ w, index }))
      .filter(({ w }) => w.device === device);
    const points = r.memoryTimeline[members[0].index].map(([t], b) => {
      const share = members.reduce(
        (sum, { w, index }) => sum + r.memoryTimeline[index][b][1] / w.memoryBudgetBytes,
        0,
      );
      return [t, share / members.length] as [number, number];
    });
    return { name: device, color: PALETTE[i % PALETTE.length], step: true, points };
  });
}
