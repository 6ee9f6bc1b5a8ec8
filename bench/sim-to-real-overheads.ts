/**
 * The live fleet's per-job fixed costs, from what a run leaves in Redis: the run commands the
 * scheduler sent (each with its dispatch time), the workers' job-finished events and the jobs'
 * own timings. They are what the simulator's `dispatchLatency`, `jobStartup` and `jobWriteBack`
 * stand for (scenarios/README.md).
 */
import {
  PRIORITY_CLASSES,
  RedisKeys,
  type WorkerCommand,
  type WorkerEvent,
} from '#switchyard/contracts';
import { MessageStream } from '#switchyard/fleet';
import { formatDuration, mean, percentile, sortedCopy, type JobSpec } from '#switchyard/simulator';
import type { FleetHarness, JobView } from '../test/support/fleet-harness.js';

/** One completed job's fixed costs (ms); undefined where the run left no record. */
export interface JobOverheads {
  /** Accepted by the api → the scheduler sent the run command of its last run (queueing included). */
  toDispatchMs?: number;
  /** The scheduler sent the run command → the worker took the job (Redis hand-off). */
  handoffMs?: number;
  /** The worker took the job → its prompt's evaluation began (the worker's Redis writes, the engine's set-up). */
  startupMs?: number;
  /** Generation ended → the worker reported the job finished (result written, stream closed). */
  writeBackMs?: number;
  /** Accepted by the api → the worker took the job (the job's own queueWaitMs). */
  queueWaitMs: number;
  /**
   * queueWaitMs of a job that waited under NO_WAIT_MS, so found its slot free: the dispatch
   * latency the simulator's `dispatchLatency` stands for (a job queued behind another waits longer).
   */
  noWaitMs?: number;
}

/** A queue wait shorter than this is the scheduler's and Redis's own, not a wait for a slot. */
export const NO_WAIT_MS = 100;

/**
 * Reads the run commands and job-finished events a live run left, and each completed job's
 * fixed costs (in job order; undefined for jobs that did not complete).
 */
export async function readLiveOverheads(
  fleet: FleetHarness,
  ids: string[],
  views: JobView[],
): Promise<(JobOverheads | undefined)[]> {
  const keys = new RedisKeys(fleet.prefix);
  const workerIds = new Set(views.map((v) => v.worker).filter((w): w is string => !!w));
  // The last run command per job: a job handed back and run again is timed by its last run.
  const dispatchedAt = new Map<string, number>();
  for (const worker of workerIds) {
    const stream = new MessageStream<WorkerCommand>(fleet.redis, keys.workerCommands(worker));
    for (const { message } of await stream.since(0, 1_000_000)) {
      if (message.type === 'run') dispatchedAt.set(message.jobId, message.dispatchedAt);
    }
  }
  const finishedAt = new Map<string, number>();
  const events = new MessageStream<WorkerEvent>(fleet.redis, keys.workerEvents());
  for (const { message } of await events.since(0, 1_000_000)) {
    if (message.type === 'job-finished' && message.outcome === 'completed') {
      finishedAt.set(message.jobId, message.at);
    }
  }
  return views.map((v, i) => {
    const t = v.timings;
    if (v.state !== 'completed' || !t) return undefined;
    const started = v.submittedAt + t.queueWaitMs;
    const generationEnd = v.submittedAt + t.totalMs;
    const dispatched = dispatchedAt.get(ids[i]);
    const reported = finishedAt.get(ids[i]);
    return {
      toDispatchMs: dispatched === undefined ? undefined : dispatched - v.submittedAt,
      handoffMs: dispatched === undefined ? undefined : started - dispatched,
      // The engine's prefill (prefillMs) runs from the first evaluation to the first token.
      startupMs: t.timeToFirstTokenMs - t.queueWaitMs - t.prefillMs,
      writeBackMs: reported === undefined ? undefined : reported - generationEnd,
      queueWaitMs: t.queueWaitMs,
      noWaitMs: t.queueWaitMs < NO_WAIT_MS ? t.queueWaitMs : undefined,
    };
  });
}

/** Lines for the bench's output: each cost's median, mean and p10–p90, overall and per class. */
export function overheadLines(jobs: JobSpec[], overheads: (JobOverheads | undefined)[]): string[] {
  const fields: [keyof JobOverheads, string][] = [
    ['toDispatchMs', 'accepted → dispatched'],
    ['handoffMs', 'dispatched → worker took it'],
    ['startupMs', 'worker took it → prefill began'],
    ['writeBackMs', 'generation ended → reported finished'],
    ['queueWaitMs', 'accepted → worker took it'],
    ['noWaitMs', `the same, waits under ${NO_WAIT_MS} ms`],
  ];
  const lines = [
    '  cost                                  class        jobs  median    mean     p10     p90',
  ];
  for (const [field, label] of fields) {
    for (const cls of ['all', ...PRIORITY_CLASSES] as const) {
      const values = overheads
        .map((o, i) => (cls === 'all' || jobs[i].priority === cls ? o?.[field] : undefined))
        .filter((x): x is number => x !== undefined);
      if (values.length === 0) continue;
      const sorted = sortedCopy(values);
      lines.push(
        [
          `  ${(cls === 'all' ? label : '').padEnd(36)}`,
          cls.padEnd(11),
          String(values.length).padStart(5),
          ...[
            percentile(sorted, 50),
            mean(sorted),
            percentile(sorted, 10),
            percentile(sorted, 90),
          ].map((x) => formatDuration(x).padStart(7)),
        ].join('  '),
      );
    }
  }
  return lines;
}
