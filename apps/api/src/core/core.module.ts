import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisKeys } from '#switchyard/contracts';
import { createRedisConnection, openJobsQueue } from '#switchyard/fleet';
import { ApiEnv } from '../config/api-env.js';
import { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { RedisLifecycleService } from './redis-lifecycle.service.js';
import { JOBS_QUEUE_TOKEN } from './tokens.js';

/**
 * What every feature shares: the validated environment, the key schema, one Redis connection
 * and the `jobs` queue over it. Blocking reads (server-sent events) duplicate the connection.
 */
@Global()
@Module({})
export class CoreModule {
  /** Builds the module around an already validated environment. */
  static forRoot(env: ApiEnv): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: ApiEnv, useValue: env },
        { provide: RedisKeys, useValue: new RedisKeys(env.SWITCHYARD_PREFIX) },
        { provide: Redis, useFactory: () => openRedis(env.REDIS_URL) },
        {
          provide: JOBS_QUEUE_TOKEN,
          useFactory: (redis: Redis) => {
            const queue = openJobsQueue(redis, env.SWITCHYARD_PREFIX);
            // The queue re-emits its connection's errors, which openRedis logs already.
            queue.on('error', () => undefined);
            return queue;
          },
          inject: [Redis],
        },
        RedisLifecycleService,
        IdempotencyStore,
      ],
      exports: [ApiEnv, RedisKeys, Redis, JOBS_QUEUE_TOKEN, IdempotencyStore],
    };
  }
}

function openRedis(url: string): Redis {
  const redis = createRedisConnection(url, 'switchyard-api');
  const logger = new Logger('Redis');
  let lastError = '';
  // ioredis retries by itself; log each new problem once instead of every retry.
  redis.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn(`${url}: ${error.message}`);
    lastError = error.message;
  });
  redis.on('ready', () => (lastError = ''));
  return redis;
}
