/**
 * The simulator's figures, per scenario and policy, and the checks the simulator issue asks for:
 * on hetero-8 and batch-flood the sensitivity policy keeps interactive SLA attainment ≥ 99 % and
 * reaches ≥ 1.3× lru's goodput; scale-256 (one simulated hour) runs in ≤ 60 s per policy.
 *
 * `--loads 1,1.3,1.6` runs each scenario at those multiples of its arrivals (scaleLoad): where
 * each policy's fleet saturates, and how the goodput ratio grows with the load. The checks apply
 * to the scenarios as defined (×1).
 *
 *   npm run bench:simulate -- [--scenarios hetero-8,batch-flood] [--policies sensitivity,lru] [--seed N]
 *                             [--loads 1] [--json out.json]
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { POLICY_NAMES, type PolicyName } from '#switchyard/policy';
import {
  formatDuration,
  scaleLoad,
  type Scenario,
  type SimulationResult,
} from '#switchyard/simulator';
import {
  loadScenarioFile,
  positive,
  runPolicies,
  SCENARIOS_DIR,
} from '../apps/cli/src/commands/simulate.command.js';
import { ProgressBar } from '../apps/cli/src/commands/progress-bar.js';

const DEFAULT_SCENARIOS = [
  'hetero-8',
  'batch-flood',
  'bursty-interactive',
  'scale-256',
  'azure-code-replay',
];
const SCALE_LIMIT_MS = 60_000;
const MIN_INTERACTIVE_SLA = 0.99;
const MIN_GOODPUT_RATIO = 1.3;

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: DEFAULT_SCENARIOS.join(',') },
    policies: { type: 'string', default: POLICY_NAMES.join(',') },
    seed: { type: 'string' },
    loads: { type: 'string', default: '1' },
    json: { type: 'string' },
  },
});
const policies = values.policies!.split(',').filter(Boolean) as PolicyName[];
for (const p of policies) {
  if (!(POLICY_NAMES as readonly string[]).includes(p))
    throw new Error(`unknown policy ${p} (known: ${POLICY_NAMES.join(', ')})`);
}
const seed = values.seed === undefined ? undefined : Number(values.seed);
const loads = values.loads.split(',').map((text) => positive('--loads', text));

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const all: { scenario: string; results: SimulationResult[] }[] = [];
const checks: { what: string; value: string; pass: boolean | undefined }[] = [];

console.log(
  `simulator bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`,
);
for (const name of values.scenarios!.split(',').filter(Boolean)) {
  let scenario;
  try {
    scenario = await loadScenarioFile(name, { seed });
  } catch (error) {
    // The replay needs the trace from ../shared/traces, which a checkout may not have.
    if (
      name === 'azure-code-replay' &&
      !existsSync(resolve(SCENARIOS_DIR, '../../shared/traces'))
    ) {
      console.log(`${name}: skipped (${(error as Error).message})\n`);
      continue;
    }
    throw error;
  }
  for (const load of loads) runScenario(name, scaleLoad(scenario, load), load);
}

if (checks.length > 0) {
  console.log('figures that must hold');
  for (const c of checks) {
    const mark = c.pass === undefined ? 'n/a ' : c.pass ? 'PASS' : 'FAIL';
    console.log(`  ${mark}  ${c.what}: ${c.value}`);
  }
}
if (values.json) {
  const out = resolve(values.json);
  await mkdir(dirname(out), { recursive: true });
  const figures = all.map(({ scenario, results }) => ({
    scenario,
    results: results.map((r) => ({
      policy: r.policy,
      seed: r.seed,
      metrics: r.metrics,
      performance: r.performance,
    })),
  }));
  await writeFile(out, `${JSON.stringify({ checks, figures }, null, 2)}\n`);
  console.log(`\nfigures: ${out}`);
}

/** Runs one scenario at one load under every policy: its table, and its checks at ×1. */
function runScenario(name: string, scenario: Scenario, load: number): void {
  const label = load === 1 ? name : `${name} ×${load}`;
  const bar = new ProgressBar(label);
  const results = runPolicies(scenario, policies, {
    onProgress: (f, policy) => bar.update(f, policy),
  });
  bar.done();
  all.push({ scenario: label, results });
  const lru = results.find((r) => r.policy === 'lru');
  console.log(
    `${label} (seed ${results[0].seed}, ${results[0].metrics.jobs.arrived} jobs; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at the end)`,
  );
  const header = [
    'policy',
    'SLA int',
    'SLA std',
    'SLA batch',
    'goodput tok/s',
    '× lru',
    'TTFT p50/p99 int',
    'completion p50/p99 std',
    'preempt (cost)',
    'GiB loaded',
    'util',
    'decide() calls',
    'run time (in decide)',
  ];
  const rows = results.map((r) => {
    const m = r.metrics;
    return [
      r.policy,
      pct(m.classes.interactive.slaAttainment),
      pct(m.classes.standard.slaAttainment),
      pct(m.classes.batch.slaAttainment),
      m.goodputTokensPerSecond.toFixed(1),
      lru ? (m.goodputTokensPerSecond / lru.metrics.goodputTokensPerSecond).toFixed(2) : '—',
      `${formatDuration(m.classes.interactive.ttftP50Ms)} / ${formatDuration(m.classes.interactive.ttftP99Ms)}`,
      `${formatDuration(m.classes.standard.completionP50Ms)} / ${formatDuration(m.classes.standard.completionP99Ms)}`,
      `${m.preemptions.count} (${formatDuration(m.preemptions.totalCostMs)})`,
      (m.loads.bytesRead / 1024 ** 3).toFixed(0),
      pct(m.utilisation.mean),
      String(m.scheduler.rounds),
      `${formatDuration(r.performance.wallMs)} (${formatDuration(r.performance.decideMs)})`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log('');

  const sensitivity = results.find((r) => r.policy === 'sensitivity');
  if (load === 1 && (name === 'hetero-8' || name === 'batch-flood')) {
    const sla = sensitivity?.metrics.classes.interactive.slaAttainment;
    checks.push({
      what: `${name}: sensitivity interactive SLA ≥ ${pct(MIN_INTERACTIVE_SLA)}`,
      value: sla === undefined ? 'no sensitivity run' : pct(sla),
      pass: sla === undefined ? undefined : sla >= MIN_INTERACTIVE_SLA,
    });
    const ratio =
      sensitivity && lru
        ? sensitivity.metrics.goodputTokensPerSecond / lru.metrics.goodputTokensPerSecond
        : undefined;
    checks.push({
      what: `${name}: sensitivity goodput ≥ ${MIN_GOODPUT_RATIO}× lru`,
      value: ratio === undefined ? 'needs sensitivity and lru runs' : `${ratio.toFixed(2)}×`,
      pass: ratio === undefined ? undefined : ratio >= MIN_GOODPUT_RATIO,
    });
  }
  if (load === 1 && name === 'scale-256') {
    for (const r of results) {
      checks.push({
        what: `scale-256: ${r.policy}, ${formatDuration(r.durationMs)} simulated, in ≤ ${formatDuration(SCALE_LIMIT_MS)}`,
        value: formatDuration(r.performance.wallMs),
        pass: r.performance.wallMs <= SCALE_LIMIT_MS,
      });
    }
  }
}
