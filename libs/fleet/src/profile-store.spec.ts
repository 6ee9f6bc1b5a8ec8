import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisKeys } from '#switchyard/contracts';
import {
  CostModel,
  emptyModelProfile,
  syntheticModelSpec,
  type DeviceProfile,
  type ModelProfile,
} from '#switchyard/cost-model';
import { ProfileStore, type InvalidProfile } from './profile-store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const measured: ModelProfile = {
  ...emptyModelProfile('synth-50m', 'cpu'),
  decodeTokensPerSecond: [{ gpuLayers: 0, threads: 1, value: 123, samples: 3 }],
  prefillTokensPerSecond: [{ gpuLayers: 0, threads: 1, value: 456, samples: 3 }],
  loadColdMs: [{ gpuLayers: 0, value: 250, samples: 1 }],
  loadWarmMs: [{ gpuLayers: 0, value: 90, samples: 2 }],
  kvSaveMsPerToken: { value: 0.01, samples: 3 },
  kvRestoreMsPerToken: { value: 0.02, samples: 3 },
  kvStateBytesPerToken: { value: 24_600, samples: 3 },
  recomputeTokensPerSecond: { value: 400, samples: 3 },
  updatedAt: 1_700_000_000_000,
};
const probe: DeviceProfile = {
  device: 'cpu',
  hostBandwidth: [
    { threads: 1, bytesPerSecond: 8e9 },
    { threads: 2, bytesPerSecond: 14e9 },
  ],
  storageReadBytesPerSecond: 1.5e9,
  pageCacheReadBytesPerSecond: 4e9,
  updatedAt: 1_700_000_000_000,
};

describe('ProfileStore (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let store: ProfileStore;

  before(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    keys = new RedisKeys(`sy-test-${randomBytes(6).toString('hex')}`);
    store = new ProfileStore(redis, keys);
  });

  after(async () => {
    const leftovers = await redis.keys(`${keys.prefix}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await redis.quit();
  });

  it('round-trips model and device profiles', async () => {
    assert.equal(await store.modelProfile('synth-50m', 'cpu'), undefined);
    await store.save(measured);
    await store.save(probe);
    assert.deepEqual(await store.modelProfile('synth-50m', 'cpu'), measured);
    assert.deepEqual(await store.deviceProfile('cpu'), probe);
    assert.deepEqual(await store.load(), { models: [measured], devices: [probe] });
  });

  it('replaces the profile of the same model and device, keeps the others', async () => {
    const onGpu = { ...emptyModelProfile('synth-50m', 'l4'), updatedAt: 1 };
    const newer = { ...measured, decodeTokensPerSecond: [], updatedAt: 2 };
    await store.saveAll({ models: [newer, onGpu], devices: [] });
    const { models } = await store.load();
    assert.deepEqual(
      models.map((m) => [m.device, m.updatedAt]),
      [
        ['cpu', 2],
        ['l4', 1],
      ],
    );
    await store.removeModel('synth-50m', 'l4');
    await store.save(measured);
    assert.deepEqual((await store.load()).models, [measured]);
  });

  it('leaves out and reports entries that do not parse', async () => {
    await redis.hset(keys.profiles(), 'model:cpu:broken', '{"model":"broken"}');
    await redis.hset(keys.profiles(), 'device:nope', 'not json');
    const invalid: InvalidProfile[] = [];
    const loaded = await store.load((i) => invalid.push(i));
    assert.deepEqual(loaded, { models: [measured], devices: [probe] });
    assert.deepEqual(
      invalid.map((i) => i.field),
      ['device:nope', 'model:cpu:broken'],
    );
    await redis.hdel(keys.profiles(), 'model:cpu:broken', 'device:nope');
  });

  it('gives the scheduler a CostModel in which the stored profiles take precedence', async () => {
    const model = syntheticModelSpec({
      name: 'synth-50m',
      shape: 'synth-50m',
      quantization: 'Q8_0',
    });
    const query = { model, device: 'cpu', gpuLayers: 0, contextSize: 2048, threads: 1 };
    const plain = new CostModel();
    const costModel = await store.applyTo(plain);

    assert.deepEqual(costModel.decode(query), { value: 123, source: 'measured' });
    assert.deepEqual(costModel.prefill(query), { value: 456, source: 'measured' });
    assert.equal(costModel.predictLoadMs(query, 'warm'), 90);
    assert.notEqual(plain.predictDecodeTokensPerSecond(query), 123);
    // Two threads were not measured: the formula, calibrated by the one-thread point.
    assert.equal(costModel.decode({ ...query, threads: 2 }).source, 'calibrated');
    // The host probe replaces the default host figures for models without a profile.
    const host = costModel.hostFor('cpu');
    assert.equal(host.memoryBandwidthPerThreadBytesPerSecond, 8e9);
    assert.equal(host.memoryBandwidthBytesPerSecond, 14e9);
    assert.equal(host.storageReadBytesPerSecond, 1.5e9);
    const other = {
      ...query,
      model: syntheticModelSpec({ shape: 'synth-300m', quantization: 'Q8_0' }),
    };
    assert.equal(costModel.decode(other).source, 'formula');
    assert.ok(
      costModel.predictDecodeTokensPerSecond(other) < plain.predictDecodeTokensPerSecond(other),
    );
  });
});
