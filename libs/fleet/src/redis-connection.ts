import { Redis } from 'ioredis';

/**
 * Opens an ioredis connection the way BullMQ needs it (no per-request retry cap, so
 * blocking commands survive reconnects); it reconnects by itself after a Redis restart.
 */
export function createRedisConnection(url: string, name: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
  });
}

/** Resolves when Redis answers PING within `timeoutMs`, else rejects with a message naming the URL. */
export async function pingRedis(url: string, timeoutMs = 1500): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis does not answer at ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix` (a test run's or a bench's own), by SCAN, not KEYS. */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
