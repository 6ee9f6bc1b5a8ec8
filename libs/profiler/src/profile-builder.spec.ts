import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelMeasurement } from './model-profiler.js';
import { buildModelProfile } from './profile-builder.js';

/** A measurement with round figures; `threads` scales the thread-dependent ones. */
function measurement(threads: number, overrides: Partial<ModelMeasurement> = {}): ModelMeasurement {
  return {
    model: 'm',
    path: '/m.gguf',
    device: 'cpu',
    deviceName: 'test cpu',
    threads,
    fileBytes: 1000,
    totalLayers: 5,
    cold: {
      gpuLayers: 0,
      ms: 300 + threads,
      eviction: { evicted: true, fileBytes: 1000, method: 'x' },
    },
    levels: [
      {
        gpuLayers: 0,
        loadWarmMs: [100 * threads],
        decodeTokensPerSecond: 50 * threads,
        decodeRuns: [50 * threads, 50 * threads, 50 * threads],
        prefillTokensPerSecond: 400 * threads,
        prefillRuns: [400 * threads, 400 * threads],
        prefillPromptTokens: 256,
        batchDecode: [{ sequences: 2, tokensPerSecond: 30 * threads, runs: [30, 30] }],
      },
    ],
    kv: {
      gpuLayers: 0,
      tokens: 500,
      stateBytes: 500 * 4000 * threads,
      saveMs: 5 * threads,
      restoreMs: 2 * threads,
      saveRuns: [5, 5, 5, 5],
      restoreRuns: [2, 2, 2],
    },
    recompute: {
      gpuLayers: 0,
      tokens: 501,
      ms: 1000 / threads,
      tokensPerSecond: 500 * threads,
      runs: [1, 1],
    },
    otherLoad: 0,
    measuredAt: 1000 * threads,
    ...overrides,
  };
}

describe('buildModelProfile', () => {
  it('keeps rates per thread count, pools loads and KV figures over them', () => {
    const profile = buildModelProfile([measurement(1), measurement(2)], 1);
    assert.deepEqual(profile.decodeTokensPerSecond, [
      { gpuLayers: 0, threads: 1, value: 50, samples: 3 },
      { gpuLayers: 0, threads: 2, value: 100, samples: 3 },
    ]);
    assert.deepEqual(profile.prefillTokensPerSecond, [
      { gpuLayers: 0, threads: 1, value: 400, samples: 2 },
      { gpuLayers: 0, threads: 2, value: 800, samples: 2 },
    ]);
    // Medians over the thread counts: (301 + 302) / 2 and (100 + 200) / 2.
    assert.deepEqual(profile.loadColdMs, [{ gpuLayers: 0, value: 301.5, samples: 2 }]);
    assert.deepEqual(profile.loadWarmMs, [{ gpuLayers: 0, value: 150, samples: 2 }]);
    assert.deepEqual(profile.kvSaveMsPerToken, { value: 7.5 / 500, samples: 8 });
    assert.deepEqual(profile.kvRestoreMsPerToken, { value: 3 / 500, samples: 6 });
    assert.deepEqual(profile.kvStateBytesPerToken, { value: 6000, samples: 2 });
    assert.equal(profile.updatedAt, 2000);
  });

  it('keeps batched decode beside the single rate of its run; none when not measured', () => {
    assert.deepEqual(
      buildModelProfile([measurement(1), measurement(2)]).decodeBatchTokensPerSecond,
      [
        {
          gpuLayers: 0,
          threads: 1,
          sequences: 2,
          value: 30,
          singleTokensPerSecond: 50,
          samples: 2,
        },
        {
          gpuLayers: 0,
          threads: 2,
          sequences: 2,
          value: 60,
          singleTokensPerSecond: 100,
          samples: 2,
        },
      ],
    );
    const old = measurement(1);
    delete old.levels[0]!.batchDecode;
    assert.equal(buildModelProfile([old]).decodeBatchTokensPerSecond, undefined);
  });

  it('takes the recompute rate at the serving thread count, else at the fewest threads', () => {
    const both = [measurement(2), measurement(4)];
    assert.equal(buildModelProfile(both, 4).recomputeTokensPerSecond?.value, 2000);
    assert.equal(buildModelProfile(both, 3).recomputeTokensPerSecond?.value, 1000);
    assert.equal(buildModelProfile(both).recomputeTokensPerSecond?.value, 1000);
  });

  it('leaves the cold load out when none was cold', () => {
    const warmOnly = measurement(1, {
      cold: { gpuLayers: 0, eviction: { evicted: false, fileBytes: 1000, method: 'no dd' } },
    });
    assert.deepEqual(buildModelProfile([warmOnly]).loadColdMs, []);
  });

  it('refuses to mix models or devices', () => {
    assert.throws(() => buildModelProfile([]), RangeError);
    assert.throws(
      () => buildModelProfile([measurement(1), measurement(2, { device: 'l4' })]),
      /mixed with m on cpu/,
    );
  });
});
