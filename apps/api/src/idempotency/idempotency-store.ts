import { BadRequestException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { RedisKeys } from '#switchyard/contracts';
import { ApiEnv } from '../config/api-env.js';

/** What `claim` found: the key's first use (`replayed` false), or a retry of the same request. */
export interface IdempotentClaim {
  replayed: boolean;
  /** Derives the id of the n-th thing this request creates: the same on every retry. */
  idFor(kind: string, index?: number): string;
}

/** Visible ASCII, as Stripe and the IETF draft accept; long enough for a UUID with a prefix. */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Makes a retried request with the same `Idempotency-Key` create nothing new: the first use
 * records the request's fingerprint in Redis (for as long as finished jobs stay readable), and
 * what the request creates gets ids derived from the key, so a retry after a crash, even one
 * between two writes, lands on the same ids; BullMQ and the stores ignore an id that exists.
 */
@Injectable()
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly env: ApiEnv,
  ) {}

  /**
   * Claims `key` for `request` on endpoint `scope`. Throws 400 for a malformed key and 422 when
   * the key was used before for a different request.
   */
  async claim(scope: string, key: string, request: unknown): Promise<IdempotentClaim> {
    if (!VALID_KEY.test(key)) {
      throw new BadRequestException(
        'Idempotency-Key header: must be 1 to 255 visible ASCII characters (no spaces)',
      );
    }
    const keyHash = sha256(key);
    const fingerprint = sha256(canonicalJson(request));
    const redisKey = this.keys.idempotency(scope, keyHash);
    const ttl = this.env.JOB_RETENTION_SECONDS;
    const first = await this.redis.set(redisKey, fingerprint, 'EX', ttl, 'NX');
    if (first === null && (await this.redis.get(redisKey)) !== fingerprint) {
      throw new UnprocessableEntityException(
        `Idempotency-Key "${key}" was already used for a different request on this endpoint; ` +
          'use a new key for a new request',
      );
    }
    return {
      replayed: first === null,
      idFor: (kind, index) => derivedId(`${scope}\n${keyHash}\n${kind}\n${index ?? ''}`),
    };
  }
}

/** A UUID-shaped id (version nibble 8: derived, not random) from `seed`. */
function derivedId(seed: string): string {
  const hex = sha256(seed);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so two equal bodies give one fingerprint whatever their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : inner,
  );
}
