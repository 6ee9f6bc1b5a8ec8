import type { Redis } from 'ioredis';
import { RedisKeys, type WorkerState } from '#switchyard/contracts';

/**
 * Workers announce themselves with heartbeats: a key per worker that expires when the
 * heartbeats stop, and a set of ids to list them by.
 */
export class WorkerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Writes one heartbeat; the worker counts as gone `ttlMs` after its last one. */
  async heartbeat(state: WorkerState, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.worker(state.id), JSON.stringify(state), 'PX', ttlMs)
      .sadd(this.keys.workers(), state.id)
      .exec();
  }

  /** Every live worker, by id; ids whose heartbeat expired are dropped from the set. */
  async list(): Promise<WorkerState[]> {
    const ids = await this.redis.smembers(this.keys.workers());
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.keys.worker(id)));
    const gone = ids.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.redis.srem(this.keys.workers(), ...gone);
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as WorkerState)
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Removes a worker at once (clean shutdown), with its command stream. */
  async remove(workerId: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.worker(workerId), this.keys.workerCommands(workerId))
      .srem(this.keys.workers(), workerId)
      .exec();
  }
}
