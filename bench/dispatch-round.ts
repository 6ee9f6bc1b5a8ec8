/**
 * Time to apply one scheduler round of N dispatch actions against the real local Redis (a key
 * prefix of its own, deleted at the end), spread round-robin over W fake workers' command
 * streams: the sequential sender the scheduler used (one awaited progress write and one awaited
 * XADD per job) against the batched one (progress writes together, then one pipeline per wave
 * of commands), in the same run, rounds alternating between the two. The held jobs are real
 * BullMQ jobs fetched with locks, as the scheduler's window holds them; no worker reads the
 * streams. Also times the cancel-marker look-up of N freshly held jobs: one EXISTS at a time
 * against one pipeline. Prints ms per round (median, min, max) and the ratio of medians.
 *
 *   npm run bench:dispatch -- [--sizes 128,2000] [--workers 256] [--rounds 15] [--warmup 3]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Logger } from '@nestjs/common';
import { createRedisConnection } from '#switchyard/fleet';
import type { Action } from '#switchyard/policy';
import { ActionSender } from '../apps/scheduler/src/action-sender.js';
import { FleetView } from '../apps/scheduler/src/fleet-view.js';
import { HeldJobCanceller } from '../apps/scheduler/src/held-job-canceller.js';
import { HeldJobsFixture } from '../apps/scheduler/src/held-jobs-fixture.js';
import type { HeldJob } from '../apps/scheduler/src/job-window.js';
import { SequentialActionSender } from './support/sequential-action-sender.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,2000' },
    workers: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const WORKERS = Number(values.workers);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const quiet = () => undefined;
const logger = { debug: quiet, log: quiet, warn: quiet, error: console.error } as unknown as Logger;
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const redis = createRedisConnection(REDIS_URL, 'bench-dispatch-round');
console.log(
  `${cpus()[0].model}, ${cpus().length} CPUs; load average ${loadAverage()}; Redis ${REDIS_URL}`,
);
console.log(
  `${WORKERS} workers' streams, ${ROUNDS} rounds per sender after ${WARMUP} warm-up rounds\n`,
);
console.log(
  ['round', 'sequential ms (min–max)', 'batched ms (min–max)', 'seq / batched'].join('\t'),
);
try {
  for (const size of SIZES) await benchSize(size);
} finally {
  redis.disconnect();
}
console.log(`\nload average at the end: ${loadAverage()}`);

async function benchSize(size: number): Promise<void> {
  const fixture = new HeldJobsFixture(redis);
  try {
    const jobs = await fixture.hold(size);
    const actions: Action[] = jobs.map((held, i) => ({
      type: 'dispatch',
      workerId: `w-${i % WORKERS}`,
      jobId: held.job.id!,
      model: 'm',
      reason: 'm is loaded with a free slot',
    }));
    const times = { sequential: [] as number[], batched: [] as number[] };
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      // Alternate which goes first, so neither always runs on a cooler machine.
      const order =
        round % 2 === 0
          ? (['sequential', 'batched'] as const)
          : (['batched', 'sequential'] as const);
      for (const kind of order) {
        holdAgain(fixture, jobs);
        const fleet = new FleetView();
        const sender =
          kind === 'sequential'
            ? new SequentialActionSender(redis, fixture.keys, fixture.window, fleet, 4096, logger)
            : new ActionSender(redis, fixture.keys, fixture.window, fleet, 4096, logger);
        const started = performance.now();
        await sender.applyRound(actions);
        const ms = performance.now() - started;
        if (fixture.window.size !== 0) throw new Error(`${kind}: ${fixture.window.size} jobs left`);
        if (round >= WARMUP) times[kind].push(ms);
      }
    }
    printRow(`${size} dispatches`, times.sequential, times.batched);
    await benchCancelChecks(fixture, jobs);
  } finally {
    await fixture.cleanup();
  }
}

/** The cancel-marker look-up of `jobs` as if all were just fetched: one by one, then pipelined. */
async function benchCancelChecks(fixture: HeldJobsFixture, jobs: HeldJob[]): Promise<void> {
  holdAgain(fixture, jobs);
  const canceller = new HeldJobCanceller(
    redis,
    fixture.keys,
    fixture.window,
    new FleetView(),
    new ActionSender(redis, fixture.keys, fixture.window, new FleetView(), 4096, logger),
    logger,
  );
  const times = { sequential: [] as number[], batched: [] as number[] };
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    let started = performance.now();
    for (const held of jobs) {
      if (await redis.exists(fixture.keys.cancelRequest(held.job.id!))) throw new Error('marked');
    }
    const sequential = performance.now() - started;
    for (const held of jobs) held.cancelChecked = false;
    started = performance.now();
    await canceller.cancelMarked();
    const batched = performance.now() - started;
    if (jobs.some((h) => !h.cancelChecked)) throw new Error('a job was not checked');
    if (round >= WARMUP) {
      times.sequential.push(sequential);
      times.batched.push(batched);
    }
  }
  printRow(`${jobs.length} cancel checks`, times.sequential, times.batched);
}

/** Puts every job back into the window, with its lock, for the next round to dispatch again. */
function holdAgain(fixture: HeldJobsFixture, jobs: HeldJob[]): void {
  for (const held of jobs) fixture.window.restore(held);
}

function printRow(label: string, sequential: number[], batched: number[]): void {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cell = (xs: number[]) =>
    `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
  console.log(
    [
      label,
      cell(sequential),
      cell(batched),
      `${(median(sequential) / median(batched)).toFixed(1)}×`,
    ].join('\t'),
  );
}
