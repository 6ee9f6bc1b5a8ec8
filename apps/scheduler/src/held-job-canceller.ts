import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { CANCELLED_REASON, type JobProgress, type RedisKeys } from '#switchyard/contracts';
import { JobStream } from '#switchyard/fleet';
import type { ActionSender } from './action-sender.js';
import type { FleetView } from './fleet-view.js';
import type { HeldJob, JobWindow } from './job-window.js';

/**
 * Cancels jobs the scheduler holds before any worker touched them: those whose cancel marker
 * (set by the api) is found when they are fetched, and those a cancel command names.
 */
export class HeldJobCanceller {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly window: JobWindow,
    private readonly fleet: FleetView,
    private readonly sender: ActionSender,
    private readonly logger: Logger,
  ) {}

  /**
   * Looks up the cancel marker of every held job not checked yet, in one pipeline, and cancels
   * those that have one. A job whose look-up fails stays unchecked and is looked up next round.
   */
  async cancelMarked(): Promise<void> {
    const unchecked = this.window.jobs().filter((h) => !h.cancelChecked);
    if (unchecked.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const held of unchecked) pipeline.exists(this.keys.cancelRequest(held.job.id!));
    const results = await pipeline.exec();
    for (const [i, held] of unchecked.entries()) {
      const [error, found] = results?.[i] ?? [new Error('no reply'), null];
      if (error) {
        this.logger.warn(
          `job ${held.job.id}: cancel marker not read (${error.message}); next round`,
        );
        continue;
      }
      held.cancelChecked = true;
      if (found === 1) await this.cancel(held);
    }
  }

  /** Fails a held job as cancelled, before any worker touched it. */
  async cancel(held: HeldJob): Promise<void> {
    this.window.take(held.job.id!);
    // The worker keeping its KV state for a resume can delete it now (its sweep would, later).
    const holder = held.job.data.checkpoint?.kvState?.workerId;
    if (holder && this.fleet.isLive(holder)) {
      await this.sender.send(holder, { type: 'cancel', jobId: held.job.id! });
    }
    const progress: JobProgress = { phase: 'cancelled', updatedAt: Date.now() };
    await held.job.updateProgress(progress as unknown as object);
    await held.job.moveToFailed(new Error(CANCELLED_REASON), held.token, false);
    await new JobStream(this.redis, this.keys, held.job.id!).end('cancelled');
    await this.redis.del(this.keys.cancelRequest(held.job.id!));
    this.logger.log(`cancelled queued job ${held.job.id}`);
  }
}
