import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  BULL_PRIORITY,
  JOBS_QUEUE,
  RedisKeys,
  type JobData,
  type JobResult,
  type PriorityClass,
} from '#switchyard/contracts';
import { deleteKeysUnder, openJobsQueue, type JobsQueue } from '#switchyard/fleet';
import { JobWindow, type HeldJob } from './job-window.js';

/**
 * For tests and benchmarks against a real Redis: the `jobs` queue under a random prefix of its
 * own, and a window that fetches from it as the scheduler does, so held jobs carry real locks.
 */
export class HeldJobsFixture {
  readonly prefix = `sy-test-${randomBytes(6).toString('hex')}`;
  readonly keys = new RedisKeys(this.prefix);
  readonly queue: JobsQueue;
  readonly window: JobWindow;
  private readonly fetcher: Worker<JobData, JobResult>;
  private added = 0;

  constructor(private readonly redis: Redis) {
    this.queue = openJobsQueue(redis, this.prefix);
    this.fetcher = new Worker<JobData, JobResult>(JOBS_QUEUE, null, {
      connection: redis,
      prefix: this.prefix,
      autorun: false,
      lockDuration: 120_000,
    });
    this.window = new JobWindow(this.fetcher, 120_000);
  }

  /** Adds `count` jobs of `model` and fetches them into the window; returns them in fetch order. */
  async hold(count: number, model = 'm', priority: PriorityClass = 'standard'): Promise<HeldJob[]> {
    const first = this.added;
    this.added += count;
    await this.queue.addBulk(
      Array.from({ length: count }, (_, i) => ({
        name: 'completion',
        data: {
          model,
          prompt: 'hello',
          maxTokens: 8,
          temperature: 0,
          priority,
          submittedAt: Date.now(),
        },
        opts: { jobId: `job-${first + i}`, priority: BULL_PRIORITY[priority] },
      })),
    );
    return this.window.fill(this.window.size + count);
  }

  /** Closes the queue handles and deletes every key under the prefix. */
  async cleanup(): Promise<void> {
    await this.fetcher.close();
    await this.queue.close();
    await deleteKeysUnder(this.redis, this.prefix);
  }
}
