import type { Redis } from 'ioredis';

// Renew and release only if we still hold the lock, atomically.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A Redis lock with a lease: one scheduler leads, standbys retry until the lease lapses. */
export class LeaderLock {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly ownerId: string,
    readonly leaseMs: number,
  ) {}

  /** Takes the lock if it is free (or already ours); returns whether we lead. */
  async acquire(): Promise<boolean> {
    const set = await this.redis.set(this.key, this.ownerId, 'PX', this.leaseMs, 'NX');
    return set === 'OK' || (await this.renew());
  }

  /** Extends our lease; false means we lost the lock. */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.ownerId, this.leaseMs)) === 1;
  }

  /** Gives the lock up so a standby takes over at once. */
  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.ownerId);
  }

  /** The id of the current leader, if any. */
  async holder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
