/**
 * Soak: mixed traffic for a while (default 30 min) on a real fleet — a steady stream of batch
 * jobs that keeps every slot busy, interactive jobs arriving on top (so the scheduler preempts),
 * some cancelled — then every accepted job followed to its end. Prints each process's resident
 * memory at the start of the traffic and at the end (growth must stay under 10 %), preemptions,
 * and whether any job was lost. Exits 1 when a job is lost or memory grew 10 % or more.
 *
 *   npm run bench:soak -- [--minutes 30] [--batch-per-second 1] [--batch-tokens 1500]
 *                         [--interactive-per-second 0.5] [--cancel-share 0.05]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { JobResult } from '#switchyard/contracts';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { findSamples, parsePrometheusText } from '#switchyard/metrics';
import { FleetHarness } from '../test/support/fleet-harness.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'batch-per-second': { type: 'string', default: '1' },
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
const MODEL = 'synth-5m';
const log = (message: string) => process.stderr.write(`${message}\n`);

/** Resident memory (VmRSS) of a live process, in MiB. */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** The api's V8 heap (used, reserved) and memory held outside it, in MiB, from its /metrics. */
async function apiHeap(fleet: FleetHarness): Promise<ApiHeap> {
  const samples = parsePrometheusText(await (await fetch(`${fleet.baseUrl}/metrics`)).text());
  const mib = (name: string) => (findSamples(samples, name)[0]?.value ?? NaN) / 2 ** 20;
  return {
    used: mib('switchyard_nodejs_heap_size_used_bytes'),
    total: mib('switchyard_nodejs_heap_size_total_bytes'),
    external: mib('switchyard_nodejs_external_memory_bytes'),
  };
}

/** Tells a JS leak (used grows) from a heap that reserves more (total) or native memory. */
interface ApiHeap {
  used: number;
  total: number;
  external: number;
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-soak-'));
await writeSyntheticModel(join(dir, `${MODEL}.gguf`), MODEL_PRESETS[MODEL]);
const fleet = new FleetHarness({
  modelsDir: dir,
  env: { LOG_LEVEL: 'warn', JOB_LOCK_MS: '30000', STALLED_INTERVAL_MS: '15000' },
  workerEnv: { WORKER_SLOTS: '2', WORKER_MAX_JOBS: '2' },
});

try {
  await fleet.start();
  const pids = fleet.processes.map((p) => ({ role: p.role, pid: p.child.pid! }));
  // A minute of traffic first, so the start figure is of a warm process, not a fresh one.
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
  const endAt = started + minutes * 60_000;
  const warmAt = started + Math.min(60_000, (minutes * 60_000) / 4);
  let startRss: Record<string, number> | undefined;
  const next = { batch: started, interactive: started };
  let lastReport = started;
  const timeline: { minute: number; rss: Record<string, number>; heap: ApiHeap }[] = [];
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
    if (!startRss && now >= warmAt) {
      startRss = Object.fromEntries(pids.map(({ role, pid }) => [role, rssMiB(pid)]));
      log(`memory at the start: ${JSON.stringify(startRss)}`);
    }
    if (now >= nextSample) {
      nextSample += sampleMs;
      const rss = Object.fromEntries(pids.map(({ role, pid }) => [role, rssMiB(pid)]));
      timeline.push({ minute: (now - started) / 60_000, rss, heap: await apiHeap(fleet) });
    }
    if (now - lastReport > 30_000) {
      lastReport = now;
      log(`  ${((now - started) / 60_000).toFixed(1)} min: ${accepted.length} accepted`);
    }
    await sleep(Math.max(1, Math.min(next.batch, next.interactive) - Date.now()));
  }
  const endRss = Object.fromEntries(pids.map(({ role, pid }) => [role, rssMiB(pid)]));
  timeline.push({
    minute: (Date.now() - started) / 60_000,
    rss: endRss,
    heap: await apiHeap(fleet),
  });
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
    const before = startRss?.[role] ?? NaN;
    const after = endRss[role];
    const growth = after / before - 1;
    if (!(growth < 0.1)) grew = true;
    console.log(
      `  ${role} (pid ${pid}) RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB (${(growth * 100).toFixed(1)} %)`,
    );
  }
  console.log(
    `  memory timeline (MiB): minute, RSS per process, api V8 heap used/reserved, external`,
  );
  for (const { minute, rss, heap } of timeline) {
    const perRole = pids.map(({ role }) => `${role} ${rss[role].toFixed(0)}`).join(', ');
    const v8 = `${heap.used.toFixed(1)}/${heap.total.toFixed(1)}, external ${heap.external.toFixed(1)}`;
    console.log(`    ${minute.toFixed(1).padStart(5)}  ${perRole}; api heap ${v8}`);
  }
  console.log(`  load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  if (lost > 0 || wrong > 0 || grew) process.exitCode = 1;
} finally {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}
