/**
 * The one Redis key schema. Every key starts with the prefix, so several fleets
 * (and every test run) share a Redis without colliding; BullMQ gets the same prefix.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Set of the ids of registered workers. */
  workers(): string {
    return `${this.prefix}:workers`;
  }

  /** One worker's last heartbeat (JSON, expires when the worker is gone). */
  worker(workerId: string): string {
    return `${this.prefix}:worker:${workerId}`;
  }

  /** Stream of commands for one worker. */
  workerCommands(workerId: string): string {
    return `${this.prefix}:worker:${workerId}:commands`;
  }

  /** Stream of events from all workers to the scheduler. */
  workerEvents(): string {
    return `${this.prefix}:events`;
  }

  /** Stream of commands for the scheduler leader. */
  schedulerCommands(): string {
    return `${this.prefix}:scheduler:commands`;
  }

  /** The scheduler leader lock (value: the leader's id). */
  schedulerLeader(): string {
    return `${this.prefix}:scheduler:leader`;
  }

  /** The leader's last published view (JSON) for the api to show. */
  schedulerStatus(): string {
    return `${this.prefix}:scheduler:status`;
  }

  /** Marker that a job's cancellation was asked for. */
  cancelRequest(jobId: string): string {
    return `${this.prefix}:cancel:${jobId}`;
  }

  /** Record of a job cancelled before it ran (the BullMQ job itself is removed). */
  cancelledJob(jobId: string): string {
    return `${this.prefix}:cancelled:${jobId}`;
  }

  /** Stream of one job's phases and tokens. */
  jobStream(jobId: string): string {
    return `${this.prefix}:job:${jobId}:stream`;
  }
}
