/**
 * Sim-to-real: runs scenarios/sim-to-real (2 CPU workers, 3 synthetic models) in the simulator and
 * on a live fleet on this machine (api, scheduler and two workers on a private Redis prefix), the
 * same generated jobs at the same arrival times, and prints per-class mean and p90 completion time
 * side by side. The simulation's cost model holds this host's measured profile: the profiler runs
 * first (or --profiles reads one `switchyard profile` wrote), and the live scheduler gets the same
 * profile in Redis. The issue's figure: per-class mean within ±20 %.
 *
 *   npm run bench:sim-to-real -- [--profiles profiles/cpu.json|run.json] [--policy sensitivity] [--count 0.5]
 *                                [--quiet-wait S] [--sim-only] [--json out.json]
 *
 * --count keeps that share of the generated jobs (same arrival times); --quiet-wait waits up to S
 * seconds, before the profiler and before the live run, for other processes to calm down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import {
  modelSpecFromInfo,
  parseDeviceProfile,
  parseModelProfile,
  type Profiles,
} from '#switchyard/cost-model';
import { isPresetName, MODEL_PRESETS, readModelInfo, writeSyntheticModel } from '#switchyard/gguf';
import { createPolicy, POLICY_NAMES, type PolicyName } from '#switchyard/policy';
import { runProfiler, waitForQuiet } from '#switchyard/profiler';
import {
  formatDuration,
  generateWorkload,
  mean,
  Simulator,
  type JobSpec,
  type Scenario,
} from '#switchyard/simulator';
import { loadScenarioFile } from '../apps/cli/src/commands/simulate.command.js';
import { calibratePrompts, liveDiagnostics, liveStats, runLive } from './sim-to-real-live.js';
import { overheadLines } from './sim-to-real-overheads.js';

const MAX_MEAN_ERROR = 0.2;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'sim-to-real' },
    profiles: { type: 'string' },
    policy: { type: 'string', default: POLICY_NAMES[0] },
    count: { type: 'string', default: '1' },
    'sim-only': { type: 'boolean', default: false },
    'quiet-wait': { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});
const policy = values.policy as PolicyName;
if (!(POLICY_NAMES as readonly string[]).includes(policy))
  throw new Error(`unknown policy ${policy}`);
const log = (message: string) => process.stderr.write(`${message}\n`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const loadBefore = load();
const base = await loadScenarioFile(values.scenario!);
const workDir = mkdtempSync(join(tmpdir(), 'switchyard-sim-to-real-'));
try {
  // The models, written from their presets: the simulation reads the same files' metadata.
  const paths = new Map<string, string>();
  for (const m of base.models) {
    if (!isPresetName(m.name)) throw new Error(`${m.name}: sim-to-real models must be presets`);
    const path = join(workDir, `${m.name}.gguf`);
    await writeSyntheticModel(path, MODEL_PRESETS[m.name]);
    paths.set(m.name, path);
  }
  const group = base.fleet[0];
  const profiles = values.profiles
    ? await readProfiles(values.profiles)
    : await measureProfiles(paths, group.threads, group.slotsPerModel);
  const scenario: Scenario = {
    ...base,
    models: await Promise.all(
      base.models.map(async (m) => ({
        name: m.name,
        spec: modelSpecFromInfo(await readModelInfo(paths.get(m.name)!)),
      })),
    ),
    profiles,
  };
  const jobs = thin(generateWorkload(scenario, scenario.seed).jobs, Number(values.count));

  log(`simulating ${jobs.length} jobs under ${policy}…`);
  const simStats = simulate(scenario, profiles, jobs);
  let live: ReturnType<typeof liveStats> | undefined;
  let liveJobs: unknown[] = [];
  let loadDuring = '';
  let diagnostics: string[] = [];
  let fixedCosts: string[] = [];
  let overheads: unknown[] = [];
  let cpuLine = '';
  let refreshedStats: ReturnType<typeof simulate> | undefined;
  let refreshedProfiles: Profiles | undefined;
  if (!values['sim-only']) {
    const prompts = await calibratePrompts(paths, jobs, scenario.contextSize);
    const started = Date.now();
    await quiet('the live run');
    const liveRun = await runLive(policy, scenario, paths, profiles, jobs, prompts);
    const { views, refreshed, cpu } = liveRun;
    fixedCosts = overheadLines(jobs, liveRun.overheads);
    overheads = liveRun.overheads;
    cpuLine = `busy threads over the live run (CPU s per s, ${cpus().length} vCPUs): ${cpu.map((c) => `${c.label} ${c.threads.toFixed(2)}`).join(', ')}`;
    loadDuring = `${load()} (after ${formatDuration(Date.now() - started)} of live run)`;
    live = liveStats(jobs, views);
    liveJobs = views.map((v, i) => ({
      id: jobs[i].id,
      priority: jobs[i].priority,
      model: jobs[i].model,
      submittedAt: jobs[i].submittedAt,
      worker: v.worker,
      state: v.state,
      timings: v.timings,
    }));
    diagnostics = liveDiagnostics(jobs, views, profiles, scenario.fleet[0].threads);
    refreshedStats = simulate(scenario, refreshed, jobs);
    refreshedProfiles = refreshed;
  }

  console.log(
    `sim-to-real on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}: ${jobs.length} jobs, policy ${policy}`,
  );
  console.log(`load average before: ${loadBefore}${live ? `; at the end: ${loadDuring}` : ''}\n`);
  const rows = [
    ['class', 'jobs', 'sim mean', 'live mean', 'sim/live', 'sim p90', 'live p90', 'sim/live'],
  ];
  const checks: { cls: string; ratio: number; pass: boolean }[] = [];
  for (const c of PRIORITY_CLASSES) {
    const s = simStats[c];
    const l = live?.[c];
    const ratio = l ? s.mean / l.mean : NaN;
    if (l) checks.push({ cls: c, ratio, pass: Math.abs(ratio - 1) <= MAX_MEAN_ERROR });
    rows.push([
      c,
      String(jobs.filter((j) => j.priority === c).length),
      formatDuration(s.mean),
      l ? formatDuration(l.mean) : '—',
      l ? ratio.toFixed(2) : '—',
      formatDuration(s.p90),
      l ? formatDuration(l.p90) : '—',
      l ? (s.p90 / l.p90).toFixed(2) : '—',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    console.log(
      '  ' +
        r
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
          .join('  '),
    );
  if (live) {
    console.log('\nmean time to first token, and after it (decode), simulated and live');
    for (const c of PRIORITY_CLASSES) {
      const s = simStats[c];
      const l = live[c];
      console.log(
        `  ${c.padEnd(11)}  first token ${formatDuration(s.ttftMean)} / ${formatDuration(l.ttftMean)}` +
          `  decode ${formatDuration(s.mean - s.ttftMean)} / ${formatDuration(l.mean - l.ttftMean)}`,
      );
    }
  }
  if (live && refreshedStats) {
    console.log(
      '\nthe simulation again with the profile the live workers refreshed during the run (measured rates, not the check)',
    );
    for (const c of PRIORITY_CLASSES) {
      const r = refreshedStats[c];
      console.log(
        `  ${c.padEnd(11)}  mean ${formatDuration(r.mean)} (sim/live ${(r.mean / live[c].mean).toFixed(2)})  p90 ${formatDuration(r.p90)} (sim/live ${(r.p90 / live[c].p90).toFixed(2)})`,
      );
    }
  }
  if (diagnostics.length > 0) console.log(`\nwhere the live time went\n${diagnostics.join('\n')}`);
  if (fixedCosts.length > 0) {
    console.log(
      `\nper-job fixed costs of the live run (completed jobs; the scenario's dispatchLatency, jobStartup, jobWriteBack stand for them)\n${fixedCosts.join('\n')}`,
    );
  }
  if (cpuLine) console.log(`\n${cpuLine}`);
  if (checks.length > 0) {
    console.log(
      `\nfigure that must hold: per-class mean completion within ±${MAX_MEAN_ERROR * 100} %`,
    );
    for (const c of checks)
      console.log(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.cls}: sim/live ${c.ratio.toFixed(2)}`);
  }
  if (values.json) {
    const out = resolve(values.json);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(
      out,
      `${JSON.stringify({ policy, jobs: jobs.length, loadBefore, loadDuring, cpu: cpuLine, sim: simStats, live, refreshedSim: refreshedStats, profiles, refreshedProfiles, liveJobs, overheads }, null, 2)}\n`,
    );
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

/** The simulation's per-class mean and p90 completion time, and mean time to first token. */
function simulate(
  scenario: Scenario,
  profiles: Profiles,
  jobs: JobSpec[],
): Record<PriorityClass, { mean: number; p90: number; ttftMean: number }> {
  const run = new Simulator({ ...scenario, profiles }, createPolicy(policy), policy, {
    jobs,
  }).run();
  const stats = {} as Record<PriorityClass, { mean: number; p90: number; ttftMean: number }>;
  for (const c of PRIORITY_CLASSES) {
    const m = run.metrics.classes[c];
    stats[c] = {
      mean: m.completionMeanMs,
      p90: m.completionP90Ms,
      ttftMean: mean(run.latencies[c].ttftMs),
    };
  }
  return stats;
}

/** Waits (up to --quiet-wait seconds) until other processes use under a quarter of the CPUs. */
async function quiet(what: string): Promise<void> {
  const maxWaitMs = Number(values['quiet-wait']) * 1000;
  if (!(maxWaitMs > 0)) return;
  log(
    `waiting up to ${values['quiet-wait']} s for a quieter machine before ${what} (load ${load()})…`,
  );
  const share = await waitForQuiet({ maxShare: 0.25, maxWaitMs });
  log(`  other processes used ${(share * 100).toFixed(0)} % of the CPUs (load ${load()})`);
}

/** Keeps `share` of the jobs, spread evenly over the arrival order (1: all of them). */
function thin(jobs: JobSpec[], share: number): JobSpec[] {
  if (!(share > 0 && share <= 1)) throw new Error('--count must be in (0, 1]');
  if (share === 1) return jobs;
  const kept = jobs.filter((_, i) => Math.floor(i * share) !== Math.floor((i + 1) * share));
  return kept.map((job, index) => ({ ...job, index, id: String(index + 1) }));
}

async function readProfiles(file: string): Promise<Profiles> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as {
    models?: unknown[];
    devices?: unknown[];
    profiles?: { models?: unknown[]; devices?: unknown[] };
  };
  // A profiles file, or this bench's --json (the profile its simulation used).
  const raw = parsed.profiles ?? parsed;
  return {
    models: (raw.models ?? []).map(parseModelProfile),
    devices: (raw.devices ?? []).map(parseDeviceProfile),
  };
}

/**
 * This host's profile of the scenario's models at the workers' thread count, with the batched
 * decode of the workers' slots, and the host probe.
 */
async function measureProfiles(
  paths: Map<string, string>,
  threads: number,
  slots: number,
): Promise<Profiles> {
  await quiet('profiling');
  log(`profiling ${[...paths.keys()].join(', ')} at ${threads} thread(s) (load ${load()})…`);
  const result = await runProfiler({
    targets: [...paths].map(([name, path]) => ({ name, path })),
    threads: [threads],
    gpu: false,
    device: 'cpu',
    servingThreads: threads,
    model: { batchSequences: [slots] },
    workDir: join(workDir, 'profiler'),
    onProgress: (m) => log(`  profile: ${m}`),
  });
  return result.profiles;
}
