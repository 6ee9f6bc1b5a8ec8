import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { batchJobId, compareStreamIds, parseBatchJobId, RedisKeys } from '#switchyard/contracts';
import { LeaderLock, type JobsQueue } from '#switchyard/fleet';
import { ApiEnv } from '../config/api-env.js';
import { JOBS_QUEUE_TOKEN } from '../core/tokens.js';
import { JobsService } from '../jobs/jobs.service.js';
import { BatchCreator } from './batch-creator.js';
import { BatchFinalizer } from './batch-finalizer.js';
import { BatchRecorder } from './batch-recorder.js';
import { epochSeconds, type BatchRecord } from './batch-record.js';
import { BatchStore } from './batch-store.js';

/** BullMQ events that end a job (its result is final, or it is gone). */
const ENDING_EVENTS = new Set(['completed', 'failed', 'removed']);

/** Events read from BullMQ's stream per round. */
const EVENTS_PER_READ = 1000;

/** Longest wait for an event before the batches are looked at anyway. */
const IDLE_WAIT_MS = 1000;

/** How often the jobs of a cancelled or expired batch are swept again (running ones stop slowly). */
const SWEEP_EVERY_MS = 2000;

/** How often every active batch's pending jobs are checked against BullMQ (a safety net). */
const RECONCILE_EVERY_MS = 60_000;

/** Jobs looked up per round trip while reconciling or sweeping. */
const LOOKUP_CHUNK = 500;

/** How long shutdown waits for the tracker to stop (a Redis that does not answer never replies). */
const STOP_TIMEOUT_MS = 5000;

/**
 * Drives every batch from validating to its end. Any api replica can run it; one at a time does,
 * holding a Redis lock with a lease (another replica takes over when it lapses). The leader:
 * - follows BullMQ's events stream of the `jobs` queue from a cursor kept in Redis, and records the
 *   result of each batch job that ends (BatchRecorder), so counts move as jobs finish;
 * - creates the jobs of validating batches (BatchCreator), resuming an interrupted creation;
 * - stops the jobs of cancelled and expired batches, and finalizes batches whose jobs have ended.
 * Events lost to BullMQ's trimming, or missed while no replica led, are made up for by comparing
 * each active batch's pending lines with BullMQ (on taking the lead, on a gap, and every minute).
 */
@Injectable()
export class BatchTracker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BatchTracker.name);
  private readonly lock: LeaderLock;
  private readonly creations = new Map<string, Promise<void>>();
  private readonly lastSweep = new Map<string, number>();
  private readonly stopping = new AbortController();
  private running?: Promise<void>;
  private blocking?: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly env: ApiEnv,
    @Inject(JOBS_QUEUE_TOKEN) private readonly queue: JobsQueue,
    private readonly batches: BatchStore,
    private readonly creator: BatchCreator,
    private readonly recorder: BatchRecorder,
    private readonly finalizer: BatchFinalizer,
    private readonly jobs: JobsService,
  ) {
    this.lock = new LeaderLock(
      redis,
      keys.batchTracker(),
      `api-${process.pid}-${randomUUID().slice(0, 8)}`,
      env.BATCH_TRACKER_LEASE_MS,
    );
  }

  onApplicationBootstrap(): void {
    this.running = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    this.blocking?.disconnect();
    const stopped = await Promise.race([
      this.running?.then(() => true),
      sleep(STOP_TIMEOUT_MS, false, { ref: false }),
    ]);
    if (stopped === false) this.logger.warn('batch tracker: stopped waiting for Redis');
  }

  /** Competes for the lock until the app stops; leads while it holds it. */
  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        if (await untilAborted(this.lock.acquire(), signal)) await this.lead();
      } catch (error) {
        if (!signal.aborted) this.logger.warn(`batch tracker: ${(error as Error).message}`);
      }
      await sleep(this.env.BATCH_TRACKER_LEASE_MS / 3, undefined, { signal }).catch(
        () => undefined,
      );
    }
  }

  /** One term as leader: renews the lease, follows events and drives batches until it is lost. */
  private async lead(): Promise<void> {
    const leadership = new AbortController();
    const stop = () => leadership.abort();
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    const renewal = setInterval(() => {
      this.lock.renew().then(
        (held) => held || leadership.abort(),
        () => leadership.abort(),
      );
    }, this.env.BATCH_TRACKER_LEASE_MS / 3);
    const blocking = this.redis.duplicate({ connectionName: 'switchyard-api-batches' });
    blocking.on('error', () => undefined);
    this.blocking = blocking;
    this.logger.log('tracking batches (this replica holds the batch tracker lock)');
    try {
      await this.follow(blocking, leadership.signal);
    } finally {
      leadership.abort();
      clearInterval(renewal);
      this.stopping.signal.removeEventListener('abort', stop);
      blocking.disconnect();
      await Promise.allSettled(this.creations.values());
      if (this.stopping.signal.aborted) await this.lock.release().catch(() => undefined);
    }
  }

  private async follow(blocking: Redis, signal: AbortSignal): Promise<void> {
    const eventsKey = this.queue.keys.events;
    const signals = this.batches.signalStream();
    let cursor = (await this.redis.get(this.keys.batchTrackerCursor())) ?? '0-0';
    let signalCursor = await signals.lastId();
    let reconciledAt = 0;
    while (!signal.aborted) {
      if (Date.now() - reconciledAt >= RECONCILE_EVERY_MS || (await this.eventsLost(cursor))) {
        await this.reconcile();
        reconciledAt = Date.now();
      }
      const reply = (await blocking
        .xread(
          'COUNT',
          EVENTS_PER_READ,
          'BLOCK',
          IDLE_WAIT_MS,
          'STREAMS',
          eventsKey,
          signals.key,
          cursor,
          signalCursor,
        )
        .catch((error: Error) => {
          if (signal.aborted) return null;
          throw error;
        })) as [string, [string, string[]][]][] | null;
      if (signal.aborted) return;
      const ended: string[] = [];
      for (const [key, entries] of reply ?? []) {
        if (entries.length === 0) continue;
        const last = entries[entries.length - 1][0];
        if (key === signals.key) {
          signalCursor = last;
          continue;
        }
        cursor = last;
        for (const [, fields] of entries) {
          const event = fieldsOf(fields);
          if (ENDING_EVENTS.has(event.event) && parseBatchJobId(event.jobId ?? '')) {
            ended.push(event.jobId);
          }
        }
      }
      if (ended.length > 0) await this.recorder.record(ended);
      await this.redis.set(this.keys.batchTrackerCursor(), cursor);
      await this.drive(signal);
    }
  }

  /**
   * Whether events after `cursor` may have been trimmed from BullMQ's stream before they were
   * read: its oldest entry is newer than the cursor.
   */
  private async eventsLost(cursor: string): Promise<boolean> {
    const first = (await this.redis.xrange(this.queue.keys.events, '-', '+', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return first.length > 0 && compareStreamIds(first[0][0], cursor) > 0 && cursor !== '0-0';
  }

  /** Records every finished job of every active batch that the events did not bring. */
  private async reconcile(): Promise<void> {
    for (const id of await this.batches.activeIds()) {
      const done = await this.batches.doneLines(id);
      const pending = (await this.batches.lines(id)).filter((line) => !done.has(line));
      for (let i = 0; i < pending.length; i += LOOKUP_CHUNK) {
        const lines = pending.slice(i, i + LOOKUP_CHUNK);
        const states = await Promise.all(
          lines.map((line) => this.queue.getJobState(batchJobId(id, line))),
        );
        const ended = lines.filter((_, j) =>
          ['completed', 'failed', 'unknown'].includes(states[j]),
        );
        if (ended.length > 0) await this.recorder.recordLines(id, ended);
      }
    }
  }

  /** Moves each active batch along: creation, expiry, cancel sweeps, finalization. */
  private async drive(signal: AbortSignal): Promise<void> {
    for (const id of await this.batches.activeIds()) {
      if (signal.aborted) return;
      const batch = await this.batches.find(id);
      if (!batch) {
        await this.batches.retire(id);
        continue;
      }
      try {
        await this.step(batch, signal);
      } catch (error) {
        this.logger.warn(`batch ${id}: ${(error as Error).message}`);
      }
    }
  }

  private async step(batch: BatchRecord, signal: AbortSignal): Promise<void> {
    const expired = Date.now() >= batch.expires_at * 1000;
    const creating = this.creations.has(batch.id);
    switch (batch.status) {
      case 'validating':
      case 'in_progress':
        if (expired) {
          await this.batches.transition(batch.id, [batch.status], 'finalizing', {
            finalizing_at: epochSeconds(),
            ending: 'expired',
          });
        } else if (batch.status === 'validating') {
          if (!creating) this.startCreation(batch.id, signal);
        } else if (batch.resolved >= batch.valid) {
          await this.batches.transition(batch.id, ['in_progress'], 'finalizing', {
            finalizing_at: epochSeconds(),
          });
          const finalizing = await this.batches.find(batch.id);
          if (finalizing?.status === 'finalizing') await this.finalizer.finish(finalizing);
        }
        return;
      case 'cancelling':
      case 'finalizing':
        // A creator still running stops at its next chunk; wait for it.
        if (creating) return;
        if (batch.resolved < batch.enqueued) {
          if (batch.ending) await this.sweep(batch);
          return;
        }
        await this.finalizer.finish(batch);
        return;
      default:
        await this.batches.retire(batch.id);
    }
  }

  private startCreation(batchId: string, signal: AbortSignal): void {
    const creation = this.creator
      .run(batchId, signal)
      .catch((error: Error) =>
        this.logger.warn(`batch ${batchId}: creation stopped: ${error.message}`),
      )
      .finally(() => this.creations.delete(batchId));
    this.creations.set(batchId, creation);
  }

  /**
   * Stops the unfinished jobs of a cancelled or expired batch: queued ones are removed (recorded
   * as not run at once), running ones are cancelled through the scheduler (recorded when they stop).
   */
  private async sweep(batch: BatchRecord): Promise<void> {
    if (Date.now() - (this.lastSweep.get(batch.id) ?? 0) < SWEEP_EVERY_MS) return;
    this.lastSweep.set(batch.id, Date.now());
    const done = await this.batches.doneLines(batch.id);
    const pending = (await this.batches.lines(batch.id)).filter((line) => !done.has(line));
    for (let i = 0; i < pending.length; i += LOOKUP_CHUNK) {
      const lines = pending.slice(i, i + LOOKUP_CHUNK);
      const outcomes = await this.jobs.cancelMany(lines.map((line) => batchJobId(batch.id, line)));
      const gone = lines.filter((line) => {
        const outcome = outcomes.get(batchJobId(batch.id, line));
        return outcome === 'removed' || outcome === 'missing';
      });
      const finished = lines.filter(
        (line) => outcomes.get(batchJobId(batch.id, line)) === 'finished',
      );
      await this.recorder.recordUnrun(batch, await this.batches.customIds(batch.id, gone));
      if (finished.length > 0) await this.recorder.recordLines(batch.id, finished);
    }
  }
}

/** `promise`, or false as soon as `signal` aborts (a command to a Redis that is down never settles). */
function untilAborted(promise: Promise<boolean>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve, reject) => {
    const abort = () => resolve(false);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** The fields of a stream entry as an object. */
function fieldsOf(fields: string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) object[fields[i]] = fields[i + 1];
  return object;
}
