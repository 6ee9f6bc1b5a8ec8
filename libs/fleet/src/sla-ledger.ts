import type { Redis } from 'ioredis';
import {
  PRIORITY_CLASSES,
  RedisKeys,
  type PriorityClass,
  type SlaCounts,
} from '#switchyard/contracts';

/**
 * SLA outcomes of completed jobs per class, kept in Redis (a small hash per class) so that every
 * api replica reads the same figures whichever scheduler counted them.
 */
export class SlaLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Counts one completed job of `priority` that met (or missed) its SLA. */
  async record(priority: PriorityClass, met: boolean): Promise<void> {
    await this.redis.hincrby(this.keys.slaOutcomes(priority), met ? 'met' : 'missed', 1);
  }

  /** The counts of every class (zero where none completed yet). */
  async read(): Promise<Record<PriorityClass, SlaCounts>> {
    const pipeline = this.redis.pipeline();
    for (const c of PRIORITY_CLASSES) pipeline.hmget(this.keys.slaOutcomes(c), 'met', 'missed');
    const replies = (await pipeline.exec()) ?? [];
    const counts = {} as Record<PriorityClass, SlaCounts>;
    PRIORITY_CLASSES.forEach((c, i) => {
      const [error, values] = replies[i] ?? [null, []];
      if (error) throw error;
      const [met, missed] = (values as (string | null)[] | undefined) ?? [];
      counts[c] = { met: Number(met ?? 0), missed: Number(missed ?? 0) };
    });
    return counts;
  }
}
