import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { JobFence } from './job-fence.js';
import { MessageStream } from './message-stream.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// A real BullMQ job locked with a real token, on a real Redis, under a random prefix.
describe('JobFence', () => {
  const prefix = `sy-test-fence-${randomBytes(4).toString('hex')}`;
  let redis: Redis;
  let queue: Queue;
  let worker: Worker;
  let jobId: string;
  const token = 'token-of-this-run';

  before(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue('jobs', { connection: redis, prefix });
    worker = new Worker('jobs', null, { connection: redis, prefix, autorun: false });
    jobId = (await queue.add('x', { n: 1 })).id!;
    const job = await worker.getNextJob(token);
    assert.equal(job?.id, jobId);
  });

  after(async () => {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    const leftover = await redis.keys(`${prefix}:*`);
    if (leftover.length > 0) await redis.del(...leftover);
    await redis.quit();
  });

  it('writes data, progress and stream messages while the lock is held', async () => {
    const fence = new JobFence(redis, queue.qualifiedName, jobId, token);
    const stream = new MessageStream<{ n: number }>(redis, `${prefix}:stream`, 100);
    assert.equal(await fence.setData({ n: 2 }), true);
    assert.equal(await fence.setProgress({ phase: 'decoding' }), true);
    assert.equal(await fence.append(stream, [{ n: 1 }, { n: 2 }]), true);
    const job = await queue.getJob(jobId);
    assert.deepEqual(job?.data, { n: 2 });
    assert.deepEqual(job?.progress, { phase: 'decoding' });
    const messages = await redis.xrange(stream.key, '-', '+');
    assert.deepEqual(
      messages.map(([, fields]) => JSON.parse(fields[1])),
      [{ n: 1 }, { n: 2 }],
    );
  });

  it('refuses every write with another token, and writes nothing', async () => {
    const stale = new JobFence(redis, queue.qualifiedName, jobId, 'an-older-token');
    const stream = new MessageStream<{ n: number }>(redis, `${prefix}:stale-stream`, 100);
    assert.equal(await stale.setData({ n: 99 }), false);
    assert.equal(await stale.setProgress({ phase: 'stale' }), false);
    assert.equal(await stale.append(stream, [{ n: 99 }]), false);
    const job = await queue.getJob(jobId);
    assert.deepEqual(job?.data, { n: 2 });
    assert.deepEqual(job?.progress, { phase: 'decoding' });
    assert.equal(await redis.exists(stream.key), 0);
  });

  it('refuses writes once the lock is gone, and does not recreate a removed job', async () => {
    const fence = new JobFence(redis, queue.qualifiedName, jobId, token);
    await redis.del(`${queue.qualifiedName}:${jobId}:lock`);
    assert.equal(await fence.setData({ n: 3 }), false);
    const ghost = new JobFence(redis, queue.qualifiedName, 'no-such-job', token);
    await redis.set(`${queue.qualifiedName}:no-such-job:lock`, token);
    assert.equal(await ghost.setProgress({ phase: 'x' }), false);
    assert.equal(await redis.exists(`${queue.qualifiedName}:no-such-job`), 0);
  });
});
