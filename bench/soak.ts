/**
 * Soak: mixed traffic for a while (default 30 min) on a real fleet — a steady stream of batch
 * jobs that keeps every slot busy, interactive jobs arriving on top (so the scheduler preempts),
 * some cancelled — then every accepted job followed to its end. Prints each process's resident
 * memory once the processes are warm and at the end (growth must stay under 10 %), a timeline of
 * resident memory and V8 heap per process, preemptions, and whether any job was lost. Exits 1
 * when a job is lost or a process's memory grew 10 % or more.
 *
 *   npm run bench:soak -- [--minutes 30] [--warmup-minutes 5] [--batch-per-second 0.5]
 *                         [--batch-tokens 1500] [--interactive-per-second 0.5]
 *                         [--cancel-share 0.05] [--sample-minutes 5]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { JobResult } from '#switchyard/contracts';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { FleetHarness, freePort } from '../test/support/fleet-harness.js';
import { ProcessMemory, type MemorySample } from './support/process-memory.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    /**
     * The start figure is taken after this much traffic: V8 sizes its heap to the load in the
     * first minutes (the heap it reserves grows while the live heap does not), which is not a leak.
     */
    'warmup-minutes': { type: 'string', default: '5' },
    /** One worker with 2 slots serves about 0.6 of these a second here; more only builds a queue. */
    'batch-per-second': { type: 'string', default: '0.5' },
    /** Long batch jobs keep the slots busy, so interactive ones must preempt them. */
    'batch-tokens': { type: 'string', default: '1500' },
    'interactive-per-second': { type: 'string', default: '0.5' },
    /** Share of jobs cancelled a moment after they were submitted. */
    'cancel-share': { type: 'string', default: '0.05' },
    /** How often each process's memory is sampled for the timeline printed at the end. */
    'sample-minutes': { type: 'string', default: '5' },
  },
});
const minutes = Number(values.minutes);
const batchRate = Number(values['batch-per-second']);
const interactiveRate = Number(values['interactive-per-second']);
const batchTokens = Number(values['batch-tokens']);
const cancelShare = Number(values['cancel-share']);
const sampleMs = Number(values['sample-minutes']) * 60_000;
const warmupMs = Math.min(Number(values['warmup-minutes']), minutes / 4) * 60_000;
const MODEL = 'synth-5m';
const log = (message: string) => process.stderr.write(`${message}\n`);

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-soak-'));
await writeSyntheticModel(join(dir, `${MODEL}.gguf`), MODEL_PRESETS[MODEL]);
// The scheduler and the worker serve their metrics (for their V8 heap) on ports of their own.
const schedulerMetricsPort = await freePort();
const workerMetricsPort = await freePort();
const fleet = new FleetHarness({
  modelsDir: dir,
  env: {
    LOG_LEVEL: 'warn',
    JOB_LOCK_MS: '30000',
    STALLED_INTERVAL_MS: '15000',
    METRICS_PORT: String(schedulerMetricsPort),
    METRICS_HOST: '127.0.0.1',
  },
  workerEnv: { WORKER_SLOTS: '2', WORKER_MAX_JOBS: '2', METRICS_PORT: String(workerMetricsPort) },
});

try {
  await fleet.start();
  const metricsUrl = {
    api: `${fleet.baseUrl}/metrics`,
    scheduler: `http://127.0.0.1:${schedulerMetricsPort}/metrics`,
    worker: `http://127.0.0.1:${workerMetricsPort}/metrics`,
  };
  const pids = fleet.processes.map((p) => ({ role: p.role, pid: p.child.pid! }));
  const accepted: string[] = [];
  const cancelled = new Set<string>();
  let refused = 0;
  const submit = async (priority: string, maxTokens: number) => {
    const { status, body } = await fleet.request('POST', '/v1/jobs', {
      model: MODEL,
      prompt: `soak ${accepted.length}`,
      max_tokens: maxTokens,
      priority,
    });
    if (status !== 202) return void refused++;
    const id = body.id as string;
    accepted.push(id);
    if (Math.random() < cancelShare) {
      await sleep(50);
      const cancel = await fleet.request('DELETE', `/v1/jobs/${id}`);
      if (cancel.status < 300) cancelled.add(id);
    }
  };
  const started = Date.now();
  const memory = new ProcessMemory(
    pids.map(({ role, pid }) => ({ role, pid, metricsUrl: metricsUrl[role] })),
    started,
  );
  const endAt = started + minutes * 60_000;
  const warmAt = started + warmupMs;
  let warm: Record<string, MemorySample> | undefined;
  const next = { batch: started, interactive: started };
  let lastReport = started;
  let nextSample = started;
  while (Date.now() < endAt) {
    const now = Date.now();
    if (now >= next.batch) {
      void submit('batch', batchTokens);
      next.batch += 1000 / batchRate;
    }
    if (now >= next.interactive) {
      void submit('interactive', 24);
      next.interactive += 1000 / interactiveRate;
    }
    if (!warm && now >= warmAt) {
      warm = await memory.sample();
      log(`memory once warm: ${memory.format().at(-1)}`);
    } else if (now >= nextSample) {
      nextSample += sampleMs;
      await memory.sample();
    }
    if (now - lastReport > 30_000) {
      lastReport = now;
      log(`  ${((now - started) / 60_000).toFixed(1)} min: ${accepted.length} accepted`);
    }
    await sleep(Math.max(1, Math.min(next.batch, next.interactive) - Date.now()));
  }
  const end = await memory.sample();
  log('traffic over; following every accepted job to its end…');

  let lost = 0;
  let wrong = 0;
  let preemptions = 0;
  const deadline = Date.now() + 30 * 60_000;
  for (const id of accepted) {
    const view = await fleet
      .waitForJob(
        id,
        (j) => ['completed', 'failed', 'cancelled'].includes(j.state),
        'to end',
        Math.max(1000, deadline - Date.now()),
      )
      .catch(() => undefined);
    if (!view || view.state === 'failed') lost++;
    else if (view.state === 'completed') {
      const data = await fleet.redis.hget(`${fleet.prefix}:jobs:${id}`, 'returnvalue');
      const result = data ? (JSON.parse(data) as JobResult) : undefined;
      preemptions += view.preemptions?.length ?? 0;
      if (!result) wrong++;
    } else if (!cancelled.has(id)) {
      // Cancelled by nobody but this script would be a loss.
      lost++;
    }
  }
  console.log(
    `\nsoak: ${minutes} min, ${batchRate} batch jobs/s of ${batchTokens} tokens + ${interactiveRate} interactive jobs/s, ${MODEL}`,
  );
  console.log(
    `  accepted ${accepted.length}, refused ${refused}, cancelled by the script ${cancelled.size}`,
  );
  console.log(
    `  lost or failed: ${lost}; completed without a result: ${wrong}; preemptions: ${preemptions}`,
  );
  let grew = false;
  for (const { role, pid } of pids) {
    const before = warm?.[role];
    const after = end[role];
    const growth = after.rss / (before?.rss ?? NaN) - 1;
    if (!(growth < 0.1)) grew = true;
    const heap = `live V8 heap ${before?.heapUsed.toFixed(1)} → ${after.heapUsed.toFixed(1)} MiB`;
    console.log(
      `  ${role} (pid ${pid}) RSS ${before?.rss.toFixed(0)} → ${after.rss.toFixed(0)} MiB (${(growth * 100).toFixed(1)} %); ${heap}`,
    );
  }
  console.log(
    `  memory timeline, MiB (from ${(warmupMs / 60_000).toFixed(1)} min on counts): minute, RSS (V8 heap used/reserved) per process`,
  );
  for (const line of memory.format()) console.log(`    ${line}`);
  console.log(`  load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  if (lost > 0 || wrong > 0 || grew) process.exitCode = 1;
} finally {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}
