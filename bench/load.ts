/**
 * Load: N job submissions (default 10,000) from C concurrent connections (default 200) to a real
 * api on the ~5 M synthetic model, then every accepted job is followed to its end. Prints the
 * accept latency (p50, p99, max) against a baseline measured in the same run, the same number of
 * jobs added straight to BullMQ with the same concurrency, and each process's peak memory.
 * Checks that every accepted job completed exactly once with exactly max_tokens tokens.
 *
 *   npm run bench:load -- [--requests 10000] [--connections 200] [--max-tokens 4] [--slots 4]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BULL_PRIORITY, type JobData, type JobResult } from '#switchyard/contracts';
import { openJobsQueue } from '#switchyard/fleet';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { FleetHarness } from '../test/support/fleet-harness.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '200' },
    'max-tokens': { type: 'string', default: '4' },
    slots: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1' },
  },
});
const requests = Number(values.requests);
const connections = Number(values.connections);
const maxTokens = Number(values['max-tokens']);
const MODEL = 'synth-5m';
const log = (message: string) => process.stderr.write(`${message}\n`);
const ms = (value: number) => `${value.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-load-'));
log(`writing ${MODEL}…`);
await writeSyntheticModel(join(dir, `${MODEL}.gguf`), MODEL_PRESETS[MODEL]);
const fleet = new FleetHarness({
  modelsDir: dir,
  env: { LOG_LEVEL: 'warn', JOB_LOCK_MS: '30000', STALLED_INTERVAL_MS: '15000' },
  workerEnv: {
    WORKER_THREADS: values.threads!,
    WORKER_SLOTS: values.slots!,
    WORKER_MAX_JOBS: values.slots!,
  },
});

/** Runs `total` calls of `one` with `concurrency` in flight; returns each call's latency (ms). */
async function drive(
  total: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  let lastReport = Date.now();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await one(i);
        latencies.push(performance.now() - t0);
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          log(`  ${latencies.length}/${total}`);
        }
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

/** Peak resident memory (VmHWM) of a live process, in MiB. */
function peakMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

const agent = new Agent({ keepAlive: true, maxSockets: connections });
/** POST /v1/jobs over a kept-alive connection; resolves with the status and the job id. */
function submit(body: string): Promise<{ status: number; id?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${fleet.baseUrl}/v1/jobs`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const id = res.statusCode === 202 ? (JSON.parse(text) as { id: string }).id : undefined;
          resolve({ status: res.statusCode ?? 0, id });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Waits until `ids` are all finished; returns how many completed with exactly maxTokens. */
async function followToEnd(ids: string[]): Promise<{ exact: number; failed: number }> {
  const queue = openJobsQueue(fleet.redis, fleet.prefix);
  for (;;) {
    const counts = await queue.getJobCounts('completed', 'failed');
    log(`  finished ${counts.completed + counts.failed}/${ids.length}`);
    if (counts.completed + counts.failed >= ids.length) break;
    await sleep(2000);
  }
  const pipeline = fleet.redis.pipeline();
  for (const id of ids) pipeline.hget(`${fleet.prefix}:jobs:${id}`, 'returnvalue');
  const results = (await pipeline.exec()) ?? [];
  let exact = 0;
  for (const [, value] of results) {
    const result = value ? (JSON.parse(value as string) as JobResult) : undefined;
    if (result?.usage.completionTokens === maxTokens) exact++;
  }
  const failed = (await queue.getJobCounts('failed')).failed;
  await queue.close();
  return { exact, failed };
}

try {
  await fleet.start();
  const pids = Object.fromEntries(fleet.processes.map((p) => [p.role, p.child.pid!]));
  log(`fleet up; ${requests} submissions from ${connections} connections…`);
  const statuses = new Map<number, number>();
  const ids: string[] = [];
  const api = await drive(requests, connections, async (i) => {
    const { status, id } = await submit(
      JSON.stringify({
        model: MODEL,
        prompt: `load ${i}`,
        max_tokens: maxTokens,
        priority: 'batch',
      }),
    );
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (id) ids.push(id);
  });
  log('following every accepted job to its end…');
  const outcome = await followToEnd(ids);
  const peaks = Object.entries(pids).map(([role, pid]) => `${role} ${peakMiB(pid).toFixed(0)} MiB`);

  // The baseline: as many jobs added straight to BullMQ, as many in flight, same Redis.
  log('baseline: the same number of jobs added straight to BullMQ…');
  const queue = openJobsQueue(fleet.redis, `${fleet.prefix}-baseline`);
  const direct = await drive(requests, connections, async (i) => {
    const data: JobData = {
      model: MODEL,
      prompt: `load ${i}`,
      maxTokens,
      temperature: 0.8,
      priority: 'batch',
      submittedAt: Date.now(),
    };
    await queue.add('infer', data, { priority: BULL_PRIORITY.batch, attempts: 1 });
  });
  await queue.obliterate({ force: true });
  await queue.close();

  const a = summary(api.latencies);
  const b = summary(direct.latencies);
  console.log(
    `\nload: ${requests} submissions, ${connections} connections, ${MODEL}, max_tokens ${maxTokens}`,
  );
  console.log(`  answers: ${[...statuses].map(([s, n]) => `${n} × ${s}`).join(', ')}`);
  console.log(
    `  accept latency: p50 ${ms(a.p50)}, p99 ${ms(a.p99)}, max ${ms(a.max)}; ${(requests / (api.wallMs / 1000)).toFixed(0)} submissions/s`,
  );
  console.log(
    `  baseline (BullMQ add, no HTTP): p50 ${ms(b.p50)}, p99 ${ms(b.p99)}, max ${ms(b.max)}; ${(requests / (direct.wallMs / 1000)).toFixed(0)} adds/s`,
  );
  console.log(`  api / baseline p99: ${(a.p99 / b.p99).toFixed(2)}×`);
  console.log(
    `  accepted ${ids.length}; completed with exactly ${maxTokens} tokens: ${outcome.exact}; failed: ${outcome.failed}`,
  );
  console.log(`  peak memory (VmHWM): ${peaks.join(', ')}`);
  console.log(`  load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  if (outcome.exact !== ids.length || outcome.failed !== 0) process.exitCode = 1;
} finally {
  agent.destroy();
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}
