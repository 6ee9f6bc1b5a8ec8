import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS_QUEUE, type JobData, type JobResult } from '#switchyard/contracts';

/** The BullMQ queue of inference jobs, typed. */
export type JobsQueue = Queue<JobData, JobResult>;

/** Opens the `jobs` queue under the fleet's prefix. */
export function openJobsQueue(connection: Redis, prefix: string): JobsQueue {
  return new Queue<JobData, JobResult>(JOBS_QUEUE, { connection, prefix });
}
