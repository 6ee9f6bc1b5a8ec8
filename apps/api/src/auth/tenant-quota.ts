import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { JOBS_QUEUE, RedisKeys } from '#switchyard/contracts';
import { ApiEnv } from '../config/api-env.js';

/** How long a refused caller is told to wait before trying again (s). */
const RETRY_AFTER_SECONDS = 5;

/**
 * Reserves ids in the tenant's set of unfinished jobs unless that would take it past `cap`;
 * answers -1 when reserved, else how many the set holds. Ids already in the set (a retry with
 * the same Idempotency-Key) count once.
 */
const RESERVE = `
local fresh = 0
for i = 2, #ARGV do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then fresh = fresh + 1 end
end
local held = redis.call('ZCARD', KEYS[1])
if held + fresh > tonumber(ARGV[1]) then return held end
local now = redis.call('TIME')[1]
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'NX', now, ARGV[i]) end
return -1
`;

/** Thrown when a tenant holds as many unfinished jobs as TENANT_MAX_QUEUED allows. */
export class TenantQuotaExceeded extends HttpException {
  constructor(
    tenant: string,
    readonly held: number,
    cap: number,
  ) {
    super(
      `tenant "${tenant}" has ${held} unfinished jobs and may have at most ${cap} ` +
        `(TENANT_MAX_QUEUED); retry once some have finished`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/**
 * Caps each tenant's unfinished jobs (queued or running) at TENANT_MAX_QUEUED, across api
 * replicas: a Redis sorted set per tenant holds the ids of its accepted jobs; reserving is one
 * atomic script, and finished jobs are pruned from the set when it looks full (so the cost of
 * the check is paid only near the cap).
 */
@Injectable()
export class TenantQuota {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly env: ApiEnv,
  ) {}

  /** Reserves room for `ids`; throws TenantQuotaExceeded (a 429) when there is none. */
  async reserve(tenant: string, ids: string[]): Promise<void> {
    const cap = this.env.TENANT_MAX_QUEUED;
    if (cap === 0 || ids.length === 0) return;
    if ((await this.tryReserve(tenant, ids, cap)) === -1) return;
    await this.prune(tenant);
    const held = await this.tryReserve(tenant, ids, cap);
    if (held !== -1) throw new TenantQuotaExceeded(tenant, held, cap);
  }

  /** Gives back room reserved for jobs that were not enqueued after all. */
  async release(tenant: string, ids: string[]): Promise<void> {
    if (this.env.TENANT_MAX_QUEUED === 0 || ids.length === 0) return;
    await this.redis.zrem(this.keys.tenantOpenJobs(tenant), ...ids);
  }

  /** Seconds a refused caller should wait. */
  static get retryAfterSeconds(): number {
    return RETRY_AFTER_SECONDS;
  }

  private async tryReserve(tenant: string, ids: string[], cap: number): Promise<number> {
    const key = this.keys.tenantOpenJobs(tenant);
    return Number(await this.redis.eval(RESERVE, 1, key, String(cap), ...ids));
  }

  /** Drops the ids of jobs that finished (completed, failed) or are gone (cancelled, removed). */
  private async prune(tenant: string): Promise<void> {
    const key = this.keys.tenantOpenJobs(tenant);
    const ids = await this.redis.zrange(key, '0', '-1');
    const queue = `${this.keys.prefix}:${JOBS_QUEUE}`;
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.exists(`${queue}:${id}`);
      pipeline.zscore(`${queue}:completed`, id);
      pipeline.zscore(`${queue}:failed`, id);
    }
    const answers = (await pipeline.exec()) ?? [];
    const finished = ids.filter((_, i) => {
      const [exists, completed, failed] = answers.slice(3 * i, 3 * i + 3).map(([, v]) => v);
      return exists === 0 || completed !== null || failed !== null;
    });
    if (finished.length > 0) await this.redis.zrem(key, ...finished);
  }
}
