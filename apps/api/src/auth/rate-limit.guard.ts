import {
  HttpException,
  HttpStatus,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Response } from 'express';
import { Redis } from 'ioredis';
import { RedisKeys } from '#switchyard/contracts';
import { ApiEnv } from '../config/api-env.js';
import { type RequestWithCaller } from './caller.js';

const WINDOW_MS = 60_000;

/**
 * Limits each API key to RATE_LIMIT_PER_MINUTE requests per minute window, counted in Redis so
 * that every replica shares the count; over it, a 429 with Retry-After (seconds to the next
 * window). Runs after ApiKeyGuard, which names the caller; public routes are not counted.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly env: ApiEnv,
  ) {}

  /** Counts the request; throws 429 when its key has used up this window. */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const limit = this.env.RATE_LIMIT_PER_MINUTE;
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    if (limit === 0 || !request.caller || request.caller.keyId === 'open') return true;
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    const key = this.keys.rateWindow(request.caller.keyId, window);
    const results = await this.redis
      .multi()
      .incr(key)
      .pexpire(key, WINDOW_MS * 2)
      .exec();
    const count = Number(results?.[0]?.[1] ?? 0);
    if (count <= limit) return true;
    const retryAfter = Math.ceil(((window + 1) * WINDOW_MS - now) / 1000);
    context.switchToHttp().getResponse<Response>().setHeader('retry-after', String(retryAfter));
    throw new HttpException(
      `rate limit: this API key may make ${limit} requests per minute; retry in ${retryAfter} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
