/**
 * Sim-to-real: runs scenarios/sim-to-real (2 CPU workers, 3 synthetic models) in the simulator and
 * on a live fleet on this machine (api, scheduler and two workers on a private Redis prefix), the
 * same generated jobs at the same arrival times, and prints per-class mean and p90 completion time
 * side by side. The simulation's cost model holds this host's measured profile: the profiler runs
 * first (or --profiles reads one `switchyard profile` wrote), and the live scheduler gets the same
 * profile in Redis. The issue's figure: per-class mean within ±20 %.
 *
 *   npm run bench:sim-to-real -- [--profiles profiles/cpu.json] [--policy sensitivity] [--count 0.5]
 *                                [--sim-only] [--json out.json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRIORITY_CLASSES, RedisKeys, type PriorityClass } from '#switchyard/contracts';
import {
  modelSpecFromInfo,
  parseDeviceProfile,
  parseModelProfile,
  type Profiles,
} from '#switchyard/cost-model';
import { LlamaEngine } from '#switchyard/engine';
import { ProfileStore } from '#switchyard/fleet';
import { isPresetName, MODEL_PRESETS, readModelInfo, writeSyntheticModel } from '#switchyard/gguf';
import { createPolicy, POLICY_NAMES, type PolicyName } from '#switchyard/policy';
import { countPromptTokens, runProfiler } from '#switchyard/profiler';
import {
  formatDuration,
  generateWorkload,
  mean,
  percentile,
  Simulator,
  sortedCopy,
  type JobSpec,
  type Scenario,
} from '#switchyard/simulator';
import { loadScenarioFile } from '../apps/cli/src/commands/simulate.command.js';
import { FleetHarness, type JobView } from '../test/support/fleet-harness.js';

const MAX_MEAN_ERROR = 0.2;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'sim-to-real' },
    profiles: { type: 'string' },
    policy: { type: 'string', default: POLICY_NAMES[0] },
    count: { type: 'string', default: '1' },
    'sim-only': { type: 'boolean', default: false },
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
    : await measureProfiles(paths, group.threads);
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
  const sim = new Simulator(scenario, createPolicy(policy), policy, { jobs }).run();
  const simStats = Object.fromEntries(
    PRIORITY_CLASSES.map((c) => [
      c,
      {
        mean: sim.metrics.classes[c].completionMeanMs,
        p90: sim.metrics.classes[c].completionP90Ms,
      },
    ]),
  ) as Record<PriorityClass, { mean: number; p90: number }>;

  let live: Record<PriorityClass, { mean: number; p90: number; n: number }> | undefined;
  let loadDuring = '';
  if (!values['sim-only']) {
    const prompts = await calibratePrompts(paths, jobs, scenario.contextSize);
    const started = Date.now();
    const views = await runLive(scenario, paths, profiles, jobs, prompts);
    loadDuring = `${load()} (after ${formatDuration(Date.now() - started)} of live run)`;
    live = liveStats(jobs, views);
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
      String(sim.metrics.classes[c].arrived),
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
      `${JSON.stringify({ policy, jobs: jobs.length, loadBefore, loadDuring, sim: simStats, live, profiles }, null, 2)}\n`,
    );
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

/** Keeps `share` of the jobs, spread evenly over the arrival order (1: all of them). */
function thin(jobs: JobSpec[], share: number): JobSpec[] {
  if (!(share > 0 && share <= 1)) throw new Error('--count must be in (0, 1]');
  if (share === 1) return jobs;
  const kept = jobs.filter((_, i) => Math.floor(i * share) !== Math.floor((i + 1) * share));
  return kept.map((job, index) => ({ ...job, index, id: String(index + 1) }));
}

async function readProfiles(file: string): Promise<Profiles> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as {
    models?: unknown[];
    devices?: unknown[];
  };
  return {
    models: (raw.models ?? []).map(parseModelProfile),
    devices: (raw.devices ?? []).map(parseDeviceProfile),
  };
}

/** This host's profile of the scenario's models at the workers' thread count, and the host probe. */
async function measureProfiles(paths: Map<string, string>, threads: number): Promise<Profiles> {
  log(`profiling ${[...paths.keys()].join(', ')} at ${threads} thread(s) (load ${load()})…`);
  const result = await runProfiler({
    targets: [...paths].map(([name, path]) => ({ name, path })),
    threads: [threads],
    gpu: false,
    device: 'cpu',
    servingThreads: threads,
    workDir: join(workDir, 'profiler'),
    onProgress: (m) => log(`  profile: ${m}`),
  });
  return result.profiles;
}

/**
 * A prompt per job that the model's tokenizer reads as about the job's prompt length: word
 * counts are tokenized once per model and the closest one is taken.
 */
async function calibratePrompts(
  paths: Map<string, string>,
  jobs: JobSpec[],
  contextSize: number,
): Promise<string[]> {
  log('calibrating prompt lengths…');
  const words =
    'the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches'.split(
      ' ',
    );
  const text = (n: number) =>
    Array.from({ length: n }, (_, i) => words[i % words.length]).join(' ');
  const engine = await LlamaEngine.create({ gpu: false, threads: 1 });
  const byModel = new Map<string, number[]>();
  try {
    for (const [name, path] of paths) {
      const longest = Math.max(
        0,
        ...jobs.filter((j) => j.model === name).map((j) => j.promptTokens),
      );
      await engine.loadModel({ name, path, gpuLayers: 0, contextSize, slots: 1 });
      const counts: number[] = [0];
      for (let n = 1; counts[n - 1] < longest; n++)
        counts.push(await countPromptTokens(engine, name, text(n)));
      byModel.set(name, counts);
      await engine.unloadModel(name);
    }
  } finally {
    await engine.dispose();
  }
  return jobs.map((j) => {
    const counts = byModel.get(j.model)!;
    let best = 1;
    for (let n = 1; n < counts.length; n++)
      if (Math.abs(counts[n] - j.promptTokens) < Math.abs(counts[best] - j.promptTokens)) best = n;
    return text(best);
  });
}

/** Submits the jobs at their arrival times to a fresh live fleet and returns their final views. */
async function runLive(
  scenario: Scenario,
  paths: Map<string, string>,
  profiles: Profiles,
  jobs: JobSpec[],
  prompts: string[],
): Promise<JobView[]> {
  const g = scenario.fleet[0];
  const fleet = new FleetHarness({
    modelsDir: dirname(paths.values().next().value!),
    workers: g.count,
    env: {
      SCHEDULER_POLICY: policy,
      LOG_LEVEL: 'warn',
      CONTEXT_SIZE: String(scenario.contextSize),
      SCHEDULER_WINDOW: String(scenario.scheduler.window),
      SCHEDULER_TICK_MS: String(scenario.scheduler.tickMs),
    },
    workerEnv: {
      WORKER_THREADS: String(g.threads),
      WORKER_SLOTS: String(g.slotsPerModel),
      WORKER_MAX_JOBS: String(g.maxConcurrentJobs),
      WORKER_MEMORY_BUDGET: String(g.memoryBudgetBytes),
    },
  });
  try {
    // The scheduler reads the same measured profile the simulation uses (the workers refine it).
    await new ProfileStore(fleet.redis, new RedisKeys(fleet.prefix)).saveAll(profiles);
    await fleet.start();
    log(
      `live fleet up (prefix ${fleet.prefix}); submitting ${jobs.length} jobs over ${formatDuration(jobs.at(-1)!.submittedAt)}…`,
    );
    const t0 = Date.now();
    const ids: Promise<string>[] = [];
    for (const [i, job] of jobs.entries()) {
      const wait = t0 + job.submittedAt - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      ids.push(
        fleet.submit({
          model: job.model,
          prompt: prompts[i],
          max_tokens: job.outputTokens,
          priority: job.priority,
        }),
      );
      if (i % 20 === 0) process.stderr.write(`\r  submitted ${i + 1}/${jobs.length}   `);
    }
    const all = await Promise.all(ids);
    log('\n  waiting for the last jobs…');
    // One poll at a time: the timings come from the jobs' results, not from when they are read.
    const views: JobView[] = [];
    for (const [i, id] of all.entries()) {
      views.push(await fleet.waitForFinished(id, 30 * 60_000));
      if (i % 20 === 0) process.stderr.write(`\r  finished ${i + 1}/${all.length}   `);
    }
    log('');
    return views;
  } finally {
    await fleet.stop();
  }
}

function liveStats(jobs: JobSpec[], views: JobView[]) {
  const out = {} as Record<PriorityClass, { mean: number; p90: number; n: number }>;
  for (const c of PRIORITY_CLASSES) {
    const totals = views
      .filter((v, i) => jobs[i].priority === c && v.state === 'completed' && v.timings)
      .map((v) => v.timings!.totalMs);
    const failed = views.filter((v, i) => jobs[i].priority === c && v.state !== 'completed');
    if (failed.length > 0) log(`${c}: ${failed.length} jobs did not complete (${failed[0].error})`);
    const sorted = sortedCopy(totals);
    out[c] = { mean: mean(sorted), p90: percentile(sorted, 90), n: sorted.length };
  }
  return out;
}
