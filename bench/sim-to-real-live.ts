/**
 * The live half of bench/sim-to-real.ts: prompts of the simulated lengths, a fleet with the
 * scenario's settings, the jobs submitted at their arrival times, and what the runs measured.
 */
import { dirname } from 'node:path';
import { PRIORITY_CLASSES, RedisKeys, type PriorityClass } from '#switchyard/contracts';
import type { Profiles } from '#switchyard/cost-model';
import { LlamaEngine } from '#switchyard/engine';
import { ProfileStore } from '#switchyard/fleet';
import type { PolicyName } from '#switchyard/policy';
import { countPromptTokens } from '#switchyard/profiler';
import {
  formatDuration,
  mean,
  percentile,
  sortedCopy,
  type JobSpec,
  type Scenario,
} from '#switchyard/simulator';
import { FleetHarness, type JobView } from '../test/support/fleet-harness.js';
import { readLiveOverheads, type JobOverheads } from './sim-to-real-overheads.js';
import { pidsNamed, ProcessCpu } from './support/process-cpu.js';

const log = (message: string) => process.stderr.write(`${message}\n`);

/**
 * A prompt per job that the model's tokenizer reads as about the job's prompt length: word
 * counts are tokenized once per model and the closest one is taken.
 */
export async function calibratePrompts(
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

/**
 * A fresh fleet with the scenario's settings and the measured profile in its Redis; the api's
 * start can miss the harness's 30 s on a busy 2-core host, so up to three tries.
 */
async function startFleet(
  policy: PolicyName,
  scenario: Scenario,
  paths: Map<string, string>,
  profiles: Profiles,
): Promise<FleetHarness> {
  const g = scenario.fleet[0];
  for (let attempt = 1; ; attempt++) {
    const fleet = new FleetHarness({
      modelsDir: dirname(paths.values().next().value!),
      workers: g.count,
      env: {
        SCHEDULER_POLICY: policy,
        LOG_LEVEL: 'warn',
        CONTEXT_SIZE: String(scenario.contextSize),
        SCHEDULER_WINDOW: String(scenario.scheduler.window),
        SCHEDULER_TICK_MS: String(scenario.scheduler.tickMs),
        // The services' own defaults, not the e2e harness's short ones: a worker on a busy
        // 2-core host must not lose a job's lock mid-generation and have it run twice.
        JOB_LOCK_MS: '30000',
        STALLED_INTERVAL_MS: '15000',
        HEARTBEAT_MS: '1000',
        WORKER_TTL_MS: '5000',
        LEADER_LEASE_MS: '10000',
      },
      workerEnv: {
        WORKER_THREADS: String(g.threads),
        WORKER_SLOTS: String(g.slotsPerModel),
        WORKER_MAX_JOBS: String(g.maxConcurrentJobs),
        WORKER_MEMORY_BUDGET: String(g.memoryBudgetBytes),
      },
    });
    try {
      // The scheduler reads the profile the simulation uses (the workers refine it as they run).
      await new ProfileStore(fleet.redis, new RedisKeys(fleet.prefix)).saveAll(profiles);
      return await fleet.start();
    } catch (error) {
      await fleet.stop();
      if (attempt === 3) throw error;
      log(`fleet start failed (${(error as Error).message.split('\n')[0]}); again…`);
    }
  }
}

/**
 * Submits the jobs at their arrival times to a fresh live fleet and returns their final views,
 * the profiles the workers refreshed, where the machine's CPU went meanwhile (busy threads of
 * each fleet process, this process, the shared Redis and the whole machine) and each job's fixed
 * costs (dispatch, hand-off, start-up, write-back).
 */
export async function runLive(
  policy: PolicyName,
  scenario: Scenario,
  paths: Map<string, string>,
  profiles: Profiles,
  jobs: JobSpec[],
  prompts: string[],
): Promise<{
  views: JobView[];
  refreshed: Profiles;
  cpu: { label: string; threads: number }[];
  overheads: (JobOverheads | undefined)[];
}> {
  const fleet = await startFleet(policy, scenario, paths, profiles);
  try {
    let workers = 0;
    const cpu = new ProcessCpu([
      ...fleet.processes.map((p) => ({
        label: p.role === 'worker' ? `worker-${++workers}` : p.role,
        pid: p.child.pid!,
      })),
      { label: 'bench', pid: process.pid },
      ...pidsNamed('redis-server').map((pid) => ({ label: 'redis (shared)', pid })),
    ]);
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
    const busy = cpu.busyThreads();
    const refreshed = await new ProfileStore(fleet.redis, new RedisKeys(fleet.prefix)).load();
    const overheads = await readLiveOverheads(fleet, all, views);
    return { views, refreshed, cpu: busy, overheads };
  } finally {
    await fleet.stop();
  }
}

export function liveStats(jobs: JobSpec[], views: JobView[]) {
  const out = {} as Record<
    PriorityClass,
    { mean: number; p90: number; n: number; ttftMean: number }
  >;
  for (const c of PRIORITY_CLASSES) {
    const totals = views
      .filter((v, i) => jobs[i].priority === c && v.state === 'completed' && v.timings)
      .map((v) => v.timings!.totalMs);
    const failed = views.filter((v, i) => jobs[i].priority === c && v.state !== 'completed');
    if (failed.length > 0) log(`${c}: ${failed.length} jobs did not complete (${failed[0].error})`);
    const sorted = sortedCopy(totals);
    const ttft = views
      .filter((v, i) => jobs[i].priority === c && v.state === 'completed' && v.timings)
      .map((v) => v.timings!.timeToFirstTokenMs);
    out[c] = {
      mean: mean(sorted),
      p90: percentile(sorted, 90),
      n: sorted.length,
      ttftMean: mean(ttft),
    };
  }
  return out;
}

/** Per model: the live runs' decode and prefill rates against the profile the simulation used. */
export function liveDiagnostics(
  jobs: JobSpec[],
  views: JobView[],
  profiles: Profiles,
  threads: number,
): string[] {
  const lines = [
    '  model        jobs  queue wait  load wait  prefill tok/s (profile)  decode tok/s (profile)  resumed',
  ];
  for (const model of [...new Set(jobs.map((j) => j.model))].sort()) {
    const done = views.filter((v, i) => jobs[i].model === model && v.timings);
    const avg = (f: (v: JobView) => number) => mean(done.map(f));
    const profile = profiles.models.find((m) => m.model === model);
    const rate = (list: { threads: number; gpuLayers: number; value: number }[] | undefined) =>
      list?.find((r) => r.threads === threads && r.gpuLayers === 0)?.value;
    const prompt = (v: JobView) => v.usage?.prompt_tokens ?? 0;
    const prefill = avg((v) => (prompt(v) * 1000) / Math.max(1, v.timings!.prefillMs));
    lines.push(
      [
        `  ${model.padEnd(11)}`,
        String(done.length).padStart(5),
        formatDuration(avg((v) => v.timings!.queueWaitMs)).padStart(10),
        formatDuration(avg((v) => v.timings!.loadMs)).padStart(9),
        `${prefill.toFixed(0)} (${rate(profile?.prefillTokensPerSecond)?.toFixed(0) ?? '—'})`.padStart(
          23,
        ),
        `${avg((v) => v.timings!.decodeTokensPerSecond).toFixed(1)} (${rate(profile?.decodeTokensPerSecond)?.toFixed(1) ?? '—'})`.padStart(
          22,
        ),
        String(done.filter((v) => (v.resumes ?? 0) > 0).length).padStart(7),
      ].join('  '),
    );
  }
  return lines;
}
