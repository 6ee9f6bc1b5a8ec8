import type { Redis } from 'ioredis';
import {
  PRIORITY_CLASSES,
  RedisKeys,
  SLA_RECENT_MINUTES,
  type PriorityClass,
  type SlaCounts,
} from '#switchyard/contracts';

const MINUTE_MS = 60_000;

/** One class's SLA outcomes: since the fleet's keys were made, and in the last minutes. */
export interface SlaReading {
  total: SlaCounts;
  /** The last SLA_RECENT_MINUTES minutes, the current one included. */
  recent: SlaCounts;
}

/**
 * SLA outcomes of completed jobs per class, kept in Redis so that every api replica reads the
 * same figures whichever scheduler counted them: a hash of totals per class, and a hash per class
 * and minute that expires once it is older than the recent window (a fleet that has missed its
 * SLAs for an hour and meets them now should show it now, not after the totals catch up).
 */
export class SlaLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Counts one job of `priority` completed at `at` (epoch ms) that met (or missed) its SLA. */
  async record(priority: PriorityClass, met: boolean, at = Date.now()): Promise<void> {
    const field = met ? 'met' : 'missed';
    const minute = Math.floor(at / MINUTE_MS);
    const bucket = this.keys.slaOutcomesInMinute(priority, minute);
    await this.redis
      .multi()
      .hincrby(this.keys.slaOutcomes(priority), field, 1)
      .hincrby(bucket, field, 1)
      // Kept one minute past the window, so a reader whose clock runs a little behind still finds it.
      .pexpireat(bucket, (minute + SLA_RECENT_MINUTES + 1) * MINUTE_MS)
      .exec();
  }

  /** Every class's totals and its counts over the recent window ending at `now` (epoch ms). */
  async read(now = Date.now()): Promise<Record<PriorityClass, SlaReading>> {
    const last = Math.floor(now / MINUTE_MS);
    const pipeline = this.redis.pipeline();
    for (const c of PRIORITY_CLASSES) {
      pipeline.hmget(this.keys.slaOutcomes(c), 'met', 'missed');
      for (let minute = last - SLA_RECENT_MINUTES + 1; minute <= last; minute++) {
        pipeline.hmget(this.keys.slaOutcomesInMinute(c, minute), 'met', 'missed');
      }
    }
    const replies = (await pipeline.exec()) ?? [];
    let next = 0;
    const take = (): SlaCounts => {
      const [error, values] = replies[next++] ?? [null, []];
      if (error) throw error;
      const [met, missed] = (values as (string | null)[] | undefined) ?? [];
      return { met: Number(met ?? 0), missed: Number(missed ?? 0) };
    };
    const readings = {} as Record<PriorityClass, SlaReading>;
    for (const c of PRIORITY_CLASSES) {
      const total = take();
      const recent = { met: 0, missed: 0 };
      for (let i = 0; i < SLA_RECENT_MINUTES; i++) {
        const { met, missed } = take();
        recent.met += met;
        recent.missed += missed;
      }
      readings[c] = { total, recent };
    }
    return readings;
  }
}
