import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisKeys, type WorkerState } from '#switchyard/contracts';
import { WorkerRegistry } from './worker-registry.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A CPU worker's heartbeat with nothing loaded, `overrides` on top. */
function heartbeat(overrides: Partial<WorkerState>): WorkerState {
  return {
    id: 'w1',
    host: 'h',
    pid: 1,
    device: { kind: 'cpu', name: 'CPU', gpuMemoryTotalBytes: 0, ramTotalBytes: 1e9, threads: 2 },
    memoryBudgetBytes: 5e8,
    memoryUsedBytes: 0,
    slotsPerModel: 2,
    maxConcurrentJobs: 2,
    loaded: [],
    running: [],
    models: [],
    appliedCommandId: '0-0',
    draining: false,
    startedAt: 1,
    heartbeatAt: 2,
    ...overrides,
  };
}

describe('WorkerRegistry (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;

  before(() => {
    redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
    keys = new RedisKeys(`sy-test-${randomBytes(6).toString('hex')}`);
  });

  after(async () => {
    const leftovers = await redis.keys(`${keys.prefix}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await redis.quit();
  });

  it('carries the files a worker has read (warmModels) from its heartbeat to the scheduler', async () => {
    const registry = new WorkerRegistry(redis, keys);
    await registry.heartbeat(heartbeat({ id: 'w1', warmModels: ['a', 'b'] }), 5_000);
    await registry.heartbeat(heartbeat({ id: 'w2' }), 5_000);
    const [w1, w2] = await registry.list();
    assert.deepEqual(w1.warmModels, ['a', 'b']);
    // A worker that does not report them (an older one): absent, so every load counts as warm.
    assert.equal(w2.warmModels, undefined);
  });
});
