import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { deleteKeysUnder } from './redis-connection.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('deleteKeysUnder', () => {
  const redis = new Redis(REDIS_URL);
  const mine = `sy-test-${randomBytes(4).toString('hex')}`;
  // A prefix that starts like the deleted one, and must survive it.
  const neighbour = `${mine}x`;

  after(async () => {
    await redis.del(`${neighbour}:kept`);
    await redis.quit();
  });

  it('deletes every key under the prefix, past one SCAN page, and nothing else', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2_500; i++) pipeline.set(`${mine}:key:${i}`, '1');
    pipeline.hset(`${mine}:hash`, 'f', '1');
    pipeline.set(`${neighbour}:kept`, '1');
    await pipeline.exec();

    await deleteKeysUnder(redis, mine);

    assert.deepEqual(await redis.keys(`${mine}:*`), []);
    assert.equal(await redis.get(`${neighbour}:kept`), '1');
  });
});
