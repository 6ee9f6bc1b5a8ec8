import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisKeys } from '#switchyard/contracts';
import { emptyModelProfile } from '#switchyard/cost-model';
import type { GenerateResult, GenerationEvent, LoadedModelInfo } from '#switchyard/engine';
import { ProfileStore } from '#switchyard/fleet';
import { LiveProfileRefresher } from './live-profile-refresher.js';
import { PROFILER_MODEL_PREFIX } from './model-profiler.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A generation event as the engine reports it, with round figures. */
function event(overrides: {
  model?: string;
  shared?: boolean;
  completionTokens?: number;
  promptTokens?: number;
  decode?: number;
  prefill?: number;
  resumeTokens?: number[];
  result?: Partial<GenerateResult>;
}): GenerationEvent {
  const model = { name: overrides.model ?? 'm', gpuLayers: 0 } as LoadedModelInfo;
  const completionTokens = overrides.completionTokens ?? 64;
  return {
    request: {
      model: model.name,
      prompt: 'x',
      maxTokens: completionTokens,
      temperature: 0,
      ...(overrides.resumeTokens ? { resumeTokens: overrides.resumeTokens } : {}),
    },
    result: {
      text: '',
      tokens: [],
      promptTokens: overrides.promptTokens ?? 100,
      completionTokens,
      finishReason: 'length',
      timings: {
        prefillMs: 1,
        firstTokenMs: 1,
        decodeMs: 1,
        decodeTokensPerSecond: overrides.decode ?? 100,
        prefillTokensPerSecond: overrides.prefill ?? 1000,
      },
      ...overrides.result,
    },
    model,
    threads: 1,
    shared: overrides.shared ?? false,
  };
}

describe('LiveProfileRefresher (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let store: ProfileStore;
  const clock = 1_000;
  const refresher = (minIntervalMs = 60_000) =>
    new LiveProfileRefresher(store, { device: 'cpu', minIntervalMs, now: () => clock });

  before(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    keys = new RedisKeys(`sy-test-${randomBytes(6).toString('hex')}`);
    store = new ProfileStore(redis, keys);
  });

  beforeEach(async () => {
    await store.clear();
  });

  after(async () => {
    const leftovers = await redis.keys(`${keys.prefix}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await redis.quit();
  });

  it('smooths decode and prefill rates into the stored profile', async () => {
    const live = refresher();
    live.observe(event({ decode: 100, prefill: 1000 }));
    live.observe(event({ decode: 200, prefill: 2000 }));
    assert.equal(live.pendingCount('m'), 4);
    await live.flush();
    const profile = await store.modelProfile('m', 'cpu');
    // The first observation is taken as it is, the second moves it by 0.2 of the difference.
    assert.deepEqual(profile?.decodeTokensPerSecond, [
      { gpuLayers: 0, threads: 1, value: 120, samples: 2 },
    ]);
    assert.deepEqual(profile?.prefillTokensPerSecond, [
      { gpuLayers: 0, threads: 1, value: 1200, samples: 2 },
    ]);
    assert.equal(profile?.updatedAt, 1_000);
    assert.equal(live.pendingCount('m'), 0);
  });

  it('ignores shared runs, short runs and the profiler’s own copies', async () => {
    const live = refresher();
    live.observe(event({ shared: true }));
    live.observe(event({ model: `${PROFILER_MODEL_PREFIX}m` }));
    live.observe(event({ completionTokens: 8, promptTokens: 10 }));
    assert.equal(live.pendingCount('m'), 0);
    assert.equal(live.pendingCount(`${PROFILER_MODEL_PREFIX}m`), 0);
    await live.flush();
    assert.equal(await store.modelProfile('m', 'cpu'), undefined);
  });

  it('counts a resumed prefill as recompute, and learns KV figures from state moves', async () => {
    const live = refresher();
    live.observe(
      event({
        resumeTokens: Array.from({ length: 40 }, () => 5),
        completionTokens: 60,
        prefill: 900,
        result: {
          savedState: { path: '/s', tokens: 200, bytes: 200 * 4096, ms: 2 },
        },
      }),
    );
    live.observe(
      event({
        completionTokens: 70,
        result: { restoredState: { tokens: 100, fileTokens: 100, ms: 1 } },
      }),
    );
    await live.flush();
    const profile = await store.modelProfile('m', 'cpu');
    assert.deepEqual(profile?.recomputeTokensPerSecond, { value: 900, samples: 1 });
    assert.deepEqual(profile?.kvSaveMsPerToken, { value: 0.01, samples: 1 });
    assert.deepEqual(profile?.kvStateBytesPerToken, { value: 4096, samples: 1 });
    assert.deepEqual(profile?.kvRestoreMsPerToken, { value: 0.01, samples: 1 });
    // 60 − 40 resumed = 20 new tokens: a decode rate; the restored run's prefill is not one.
    assert.equal(profile?.decodeTokensPerSecond[0]?.samples, 2);
    assert.deepEqual(profile?.prefillTokensPerSecond, []);
  });

  it('refines a profile stored meanwhile instead of overwriting it', async () => {
    const live = refresher();
    live.observe(event({ decode: 100 }));
    await store.save({
      ...emptyModelProfile('m', 'cpu'),
      decodeTokensPerSecond: [{ gpuLayers: 0, threads: 1, value: 50, samples: 3 }],
      kvStateBytesPerToken: { value: 4112, samples: 1 },
    });
    await live.flush();
    const profile = await store.modelProfile('m', 'cpu');
    assert.deepEqual(profile?.decodeTokensPerSecond, [
      { gpuLayers: 0, threads: 1, value: 60, samples: 4 },
    ]);
    assert.deepEqual(profile?.kvStateBytesPerToken, { value: 4112, samples: 1 });
  });

  it('throttles saves per model: one at once, the next after minIntervalMs', async () => {
    const live = refresher(60_000);
    live.observe(event({ decode: 100 }));
    // The first save of a model is due at once (a zero-delay timer).
    await new Promise((resolve) => setTimeout(resolve, 20));
    await live.flush();
    assert.equal((await store.modelProfile('m', 'cpu'))?.decodeTokensPerSecond[0]?.samples, 1);
    live.observe(event({ decode: 100 }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The next is held back for a minute: still pending, not stored.
    assert.equal(live.pendingCount('m'), 2);
    assert.equal((await store.modelProfile('m', 'cpu'))?.decodeTokensPerSecond[0]?.samples, 1);
    await live.stop();
    assert.equal((await store.modelProfile('m', 'cpu'))?.decodeTokensPerSecond[0]?.samples, 2);
  });

  it('attaches to an engine’s generation events and detaches on stop', async () => {
    const listeners = new Set<(e: GenerationEvent) => void>();
    const engine = {
      onGeneration(listener: (e: GenerationEvent) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const live = refresher().attach(engine);
    for (const listener of listeners) listener(event({}));
    assert.equal(live.pendingCount('m'), 2);
    await live.stop();
    assert.equal(listeners.size, 0);
    assert.ok(await store.modelProfile('m', 'cpu'));
  });
});
