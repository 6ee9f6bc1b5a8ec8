import type { LoggerService } from '@nestjs/common';
import { Job } from 'bullmq';
import type { JobData, JobResult } from '#switchyard/contracts';
import type { JobsQueue, SlaLedger } from '#switchyard/fleet';
import type { DispatchedJob, SchedulerMetrics } from './scheduler-metrics.js';

/**
 * Turns the queue's `completed` and `failed` events (already read by the loop) into job outcome
 * metrics, and SLA outcomes in Redis. The class and model come from the dispatch when this scheduler made it, else from the
 * job itself (dispatched by a former leader).
 */
export class QueueOutcomes {
  constructor(
    private readonly metrics: SchedulerMetrics,
    private readonly queue: JobsQueue,
    private readonly logger: LoggerService,
    private readonly sla?: SlaLedger,
  ) {}

  /** One entry of the BullMQ events stream, as its flat field list. */
  onQueueEvent(fields: string[]): void {
    const event: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) event[fields[i]] = fields[i + 1];
    if (!event.jobId) return;
    if (event.event === 'failed') this.metrics.forget(event.jobId);
    if (event.event !== 'completed' || !event.returnvalue) return;
    void this.completed(event.jobId, event.returnvalue).catch((error: Error) =>
      this.logger.warn(`metrics of job ${event.jobId}: ${error.message}`),
    );
  }

  private async completed(jobId: string, returnvalue: string): Promise<void> {
    const result = JSON.parse(returnvalue) as JobResult;
    if (!result?.timings) return;
    let job: DispatchedJob | undefined = this.metrics.dispatchOf(jobId);
    if (!job) {
      const stored = await Job.fromId<JobData, JobResult>(this.queue, jobId);
      if (!stored) return;
      job = { priority: stored.data.priority, model: stored.data.model };
    }
    const met = this.metrics.recordCompletion(jobId, job, result);
    // Kept in Redis too, so every api replica's fleet page shows the same attainment.
    await this.sla?.record(job.priority, met);
  }
}
