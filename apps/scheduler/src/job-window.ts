import { randomUUID } from 'node:crypto';
import type { Job, Worker } from 'bullmq';
import type { JobData, JobResult } from '#switchyard/contracts';

/** A job the scheduler holds: fetched from the queue, locked with `token`, not yet dispatched. */
export interface HeldJob {
  job: Job<JobData, JobResult>;
  token: string;
  fetchedAt: number;
  /** The reason last written to the job's progress, so unchanged reasons are not rewritten. */
  shownReason?: string;
  /** Whether its cancel marker was looked up since it was fetched (a failed look-up is retried). */
  cancelChecked?: boolean;
}

/**
 * The scheduler's look-ahead window: jobs taken from the queue with manual fetching, each with
 * its own lock token, renewed until the job is handed to a worker (with its token) or released.
 */
export class JobWindow {
  private readonly held = new Map<string, HeldJob>();

  constructor(
    private readonly fetcher: Worker<JobData, JobResult>,
    private readonly lockMs: number,
  ) {}

  /** Number of jobs held. */
  get size(): number {
    return this.held.size;
  }

  /** Jobs held, in fetch order. */
  jobs(): HeldJob[] {
    return [...this.held.values()];
  }

  /** The held job with this id, if any. */
  get(jobId: string): HeldJob | undefined {
    return this.held.get(jobId);
  }

  /** Fetches jobs without blocking until the window holds `limit` or the queue is empty. */
  async fill(limit: number): Promise<HeldJob[]> {
    const added: HeldJob[] = [];
    while (this.held.size < limit) {
      const token = randomUUID();
      const job = await this.fetcher.getNextJob(token, { block: false });
      if (!job?.id) break;
      const held = { job, token, fetchedAt: Date.now() };
      this.held.set(job.id, held);
      added.push(held);
    }
    return added;
  }

  /** Forgets a job the scheduler handed on (dispatched, cancelled). */
  take(jobId: string): HeldJob | undefined {
    const held = this.held.get(jobId);
    this.held.delete(jobId);
    return held;
  }

  /**
   * Holds again a job taken for dispatch that never reached its worker (a Redis error): it keeps
   * its lock and a later round places it.
   */
  restore(held: HeldJob): void {
    this.held.set(held.job.id!, held);
  }

  /** Renews the lock of every held job; jobs whose lock was lost are dropped and returned. */
  async renewLocks(): Promise<string[]> {
    const lost: string[] = [];
    await Promise.all(
      this.jobs().map(async ({ job, token }) => {
        const ok = await job.extendLock(token, this.lockMs).catch(() => 0);
        if (!ok) lost.push(job.id!);
      }),
    );
    for (const id of lost) this.held.delete(id);
    return lost;
  }

  /** Puts some held jobs back at the front of their priority level. */
  async release(jobIds: string[]): Promise<void> {
    const held = jobIds.map((id) => this.take(id)).filter((h): h is HeldJob => h !== undefined);
    await Promise.all(held.map(({ job, token }) => job.moveToWait(token).catch(() => undefined)));
  }

  /** Puts every held job back at the front of its priority level (leadership lost, shutdown). */
  async releaseAll(): Promise<void> {
    const all = this.jobs();
    this.held.clear();
    await Promise.all(all.map(({ job, token }) => job.moveToWait(token).catch(() => undefined)));
  }
}
