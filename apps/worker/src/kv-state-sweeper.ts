import { Job } from 'bullmq';
import type { JobData, JobResult } from '#switchyard/contracts';
import type { JobsQueue } from '#switchyard/fleet';
import type { KvStateStore } from './kv-state-store.js';

/** What the sweeper needs to know of a job: whether it ended, and which state file it names. */
export interface SweptJob {
  finished: boolean;
  kvStatePath?: string;
}

/** Reads a job for the sweeper; undefined when it no longer exists. */
export type SweptJobLookup = (jobId: string) => Promise<SweptJob | undefined>;

// Often enough that a finished job's file goes within seconds; each pass reads one hash a file.
const SWEEP_EVERY_MS = 5_000;

/**
 * Deletes the kept KV states nobody will restore: of jobs removed or finished (completed,
 * failed, cancelled) elsewhere or while waiting, and of jobs whose checkpoint names another file
 * now (preempted again on another worker). Jobs running here are left to their runner.
 */
export class KvStateSweeper {
  private timer?: NodeJS.Timeout;
  private pass: Promise<void> = Promise.resolve();
  private readonly lookup: SweptJobLookup;

  constructor(
    private readonly store: KvStateStore,
    queueOrLookup: JobsQueue | SweptJobLookup,
    private readonly isRunningHere: (jobId: string) => boolean,
  ) {
    this.lookup =
      typeof queueOrLookup === 'function' ? queueOrLookup : lookupInQueue(queueOrLookup);
  }

  /** Sweeps every few seconds until stop(). */
  start(): void {
    this.timer = setInterval(() => {
      this.pass = this.pass
        .then(() => this.sweep())
        .then(
          () => undefined,
          () => undefined,
        );
    }, SWEEP_EVERY_MS);
  }

  /** Stops sweeping, after the pass in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  /** One pass; returns the jobs whose state was deleted. */
  async sweep(): Promise<string[]> {
    const dropped: string[] = [];
    for (const held of this.store.held()) {
      if (this.isRunningHere(held.jobId)) continue;
      const entry = this.store.get(held.jobId);
      const job = await this.lookup(held.jobId);
      // The job may have been preempted again meanwhile: only the file it named is judged.
      if (!entry || this.store.get(held.jobId) !== entry) continue;
      if (!job || job.finished || job.kvStatePath !== entry.path) {
        await this.store.drop(held.jobId);
        dropped.push(held.jobId);
      }
    }
    return dropped;
  }
}

function lookupInQueue(queue: JobsQueue): SweptJobLookup {
  return async (jobId) => {
    const job = await Job.fromId<JobData, JobResult>(queue, jobId);
    if (!job) return undefined;
    return {
      finished: job.finishedOn !== undefined && job.finishedOn > 0,
      kvStatePath: job.data.checkpoint?.kvState?.path,
    };
  };
}
