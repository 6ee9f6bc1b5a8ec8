import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { WorkersService } from '../workers/workers.service.js';
import type { HealthDto } from './dto/health.dto.js';

/** How long Redis may take to answer before the api counts it as down. */
const REDIS_TIMEOUT_MS = 1000;

/** Whether this api replica can serve: Redis answers, a scheduler leads, workers are alive. */
@Injectable()
export class HealthService {
  constructor(
    private readonly redis: Redis,
    private readonly workers: WorkersService,
  ) {}

  /** Checks Redis (PING with a timeout), then the scheduler leader and the live workers. */
  async check(): Promise<HealthDto> {
    const latency = await this.pingRedis();
    const fleet =
      latency === null
        ? null
        : await withTimeout(Promise.all([this.workers.leader(), this.workers.listWorkers()])).catch(
            () => null,
          );
    if (latency === null || fleet === null) {
      return {
        status: 'down',
        redis: { ok: false, latency_ms: latency },
        scheduler: { leader: null },
        workers: { count: 0, ids: [] },
      };
    }
    const [leader, workers] = fleet;
    const ids = workers.map((worker) => worker.id);
    return {
      status: leader !== null && ids.length > 0 ? 'ok' : 'degraded',
      redis: { ok: true, latency_ms: latency },
      scheduler: { leader },
      workers: { count: ids.length, ids },
    };
  }

  /** Round trip of a PING in milliseconds, or null when Redis does not answer in time. */
  private async pingRedis(): Promise<number | null> {
    // The shared connection queues commands while Redis is away instead of failing them.
    if (this.redis.status !== 'ready') return null;
    const started = performance.now();
    try {
      await withTimeout(this.redis.ping());
      return Math.round((performance.now() - started) * 100) / 100;
    } catch {
      return null;
    }
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Redis did not answer in time')), REDIS_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
