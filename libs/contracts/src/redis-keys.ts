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

  /** Stream of the actions the leader applied, with their reasons (capped, ~200 entries). */
  schedulerDecisions(): string {
    return `${this.prefix}:scheduler:decisions`;
  }

  /** Stream of queue-depth samples the leader takes every few seconds (capped, ~10 minutes). */
  queueDepth(): string {
    return `${this.prefix}:scheduler:queue-depth`;
  }

  /** Hash of one class's completed jobs that met or missed its SLA (fields `met`, `missed`). */
  slaOutcomes(priority: string): string {
    return `${this.prefix}:sla:${priority}`;
  }

  /** Hash of the SLA outcomes of one class completed in one minute (minutes since the epoch). */
  slaOutcomesInMinute(priority: string, minute: number): string {
    return `${this.prefix}:sla:${priority}:minute:${minute}`;
  }

  /** Marker that a job's cancellation was asked for. */
  cancelRequest(jobId: string): string {
    return `${this.prefix}:cancel:${jobId}`;
  }

  /** Record of a job cancelled before it ran (the BullMQ job itself is removed). */
  cancelledJob(jobId: string): string {
    return `${this.prefix}:cancelled:${jobId}`;
  }

  /**
   * Hash of the measured cost-model profiles (JSON values): field `model:<device>:<model>` for a
   * ModelProfile, `device:<device>` for a DeviceProfile (device = the catalog id).
   */
  profiles(): string {
    return `${this.prefix}:profiles`;
  }

  /** Stream of one job's phases and tokens. */
  jobStream(jobId: string): string {
    return `${this.prefix}:job:${jobId}:stream`;
  }

  /** One uploaded or generated file's record (hash; its content lives under FILES_DIR). */
  file(fileId: string): string {
    return `${this.prefix}:file:${fileId}`;
  }

  /** Sorted set of file ids by creation time (ms), for listing. */
  files(): string {
    return `${this.prefix}:files`;
  }

  /** One batch's record (hash): status, timestamps, request counts, creation progress. */
  batch(batchId: string): string {
    return `${this.prefix}:batch:${batchId}`;
  }

  /** Sorted set of batch ids by creation time (ms), for listing. */
  batches(): string {
    return `${this.prefix}:batches`;
  }

  /** Requests of one API key in one rate-limit window (a counter that expires with it). */
  rateWindow(keyId: string, window: number): string {
    return `${this.prefix}:rate:${keyId}:${window}`;
  }

  /** Sorted set of the ids of one tenant's unfinished jobs (its queued-jobs cap counts them). */
  tenantOpenJobs(tenant: string): string {
    return `${this.prefix}:tenant:${tenant}:open-jobs`;
  }

  /** Sorted set of one tenant's batch ids by creation time (ms), for its listing. */
  tenantBatches(tenant: string): string {
    return `${this.prefix}:tenant:${tenant}:batches`;
  }

  /** Set of the ids of batches that have not ended yet (the tracker drives them). */
  activeBatches(): string {
    return `${this.prefix}:batches:active`;
  }

  /** Hash of a batch's input lines that have a job: line number → custom_id. */
  batchLines(batchId: string): string {
    return `${this.prefix}:batch:${batchId}:lines`;
  }

  /** Hash of a batch's lines whose job has ended: line number → outcome. */
  batchDone(batchId: string): string {
    return `${this.prefix}:batch:${batchId}:done`;
  }

  /** Lock of the api replica that tracks batches (value: its id). */
  batchTracker(): string {
    return `${this.prefix}:batches:tracker`;
  }

  /** The batch tracker's position in BullMQ's events stream of the `jobs` queue. */
  batchTrackerCursor(): string {
    return `${this.prefix}:batches:tracker:cursor`;
  }

  /** Stream that wakes the batch tracker (a batch was created or cancelled). */
  batchSignals(): string {
    return `${this.prefix}:batches:signals`;
  }

  /**
   * The request an `Idempotency-Key` was first used for (value: its fingerprint); `scope` names
   * the endpoint and the caller, `keyHash` hashes the key (callers choose keys of any shape).
   */
  idempotency(scope: string, keyHash: string): string {
    return `${this.prefix}:idempotency:${scope}:${keyHash}`;
  }
}
