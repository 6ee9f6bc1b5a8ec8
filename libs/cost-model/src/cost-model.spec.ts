import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CostModel, type CostQuery } from './cost-model.js';
import { decodeBreakdown } from './decode-prediction.js';
import { DEVICE_CATALOG } from './device-catalog.js';
import { syntheticModelSpec } from './model-shapes.js';
import {
  emptyModelProfile,
  parseDeviceProfile,
  parseModelProfile,
  type ModelProfile,
} from './profile.js';
import { assertClose, TOY_ENV, TOY_GPU, TOY_MODEL } from './test-fixtures.js';
import { UnknownDeviceError } from './unknown-device-error.js';

const catalog = { ...DEVICE_CATALOG, [TOY_GPU.id]: TOY_GPU };
const plain = new CostModel({ catalog, host: TOY_ENV.host, factors: TOY_ENV.factors });
const toy = (gpuLayers: number, threads = 2): CostQuery => ({
  model: TOY_MODEL,
  device: TOY_GPU.id,
  gpuLayers,
  contextSize: 2048,
  threads,
});
const formulaRate = (gpuLayers: number, threads: number) =>
  decodeBreakdown({ ...toy(gpuLayers, threads), device: TOY_GPU, threads }, 0, TOY_ENV)
    .tokensPerSecond;

/** Decode measured at 0 and 4 GPU layers with 2 threads: 10 and 100 tokens/s. */
const measured: ModelProfile = {
  ...emptyModelProfile('toy', TOY_GPU.id),
  decodeTokensPerSecond: [
    { gpuLayers: 0, threads: 2, value: 10, samples: 3 },
    { gpuLayers: 4, threads: 2, value: 100, samples: 3 },
  ],
};
const profiled = plain.withProfile(measured);

describe('CostModel without profiles', () => {
  test('predicts what the formulas predict', () => {
    assert.deepEqual(plain.decode(toy(2)), { value: formulaRate(2, 2), source: 'formula' });
    assert.equal(plain.predictMemory(toy(2)).gpuWeightBytes, 2e8);
    assert.equal(plain.fits(toy(2), { gpuBytes: 1e8 }), false);
    assert.equal(plain.maxGpuLayersThatFit(toy(0), { gpuBytes: 3.1e8 }), 2);
  });

  test('refuses unknown devices and impossible queries', () => {
    assert.throws(() => plain.decode({ ...toy(2), device: 'tpu-v9' }), UnknownDeviceError);
    assert.throws(() => plain.decode({ ...toy(2), device: 'toString' }), UnknownDeviceError);
    assert.throws(() => plain.decode(toy(6)), RangeError);
    assert.throws(() => plain.decode({ ...toy(2), threads: 0 }), RangeError);
    assert.throws(() => plain.decode({ ...toy(2), contextSize: 0 }), RangeError);
  });
});

describe('CostModel with a profile', () => {
  test('a measured figure takes precedence over the formula', () => {
    assert.deepEqual(profiled.decode(toy(0)), { value: 10, source: 'measured' });
    assert.deepEqual(profiled.decode(toy(4)), { value: 100, source: 'measured' });
    assert.notEqual(formulaRate(0, 2), 10);
  });

  test('interpolates time per token along GPU bytes between measured levels', () => {
    // Level 2 holds 200 of the 400 MB of level 4: halfway, 1 / ((1/10 + 1/100) / 2) = 18.18.
    const between = profiled.decode(toy(2));
    assert.equal(between.source, 'interpolated');
    assertClose(between.value, 1 / 0.055);
  });

  test('calibrates the formula from the nearest measurement elsewhere', () => {
    // Level 5 (output on the GPU) is past the last measured level: formula × 100 / formula(4).
    const beyond = profiled.decode(toy(5));
    assert.equal(beyond.source, 'calibrated');
    assertClose(beyond.value, (formulaRate(5, 2) * 100) / formulaRate(4, 2));
    // One thread was never measured: the same-level point with 2 threads calibrates it.
    const oneThread = profiled.decode(toy(4, 1));
    assert.equal(oneThread.source, 'calibrated');
    assertClose(oneThread.value, (formulaRate(4, 1) * 100) / formulaRate(4, 2));
  });

  test('adds the formula attention reads for a long sequence to a measured rate', () => {
    const extraMs =
      decodeBreakdown({ ...toy(0), device: TOY_GPU, threads: 2 }, 1000, TOY_ENV).msPerToken -
      decodeBreakdown({ ...toy(0), device: TOY_GPU, threads: 2 }, 0, TOY_ENV).msPerToken;
    assertClose(profiled.predictDecodeTokensPerSecond(toy(0), 1000), 1000 / (100 + extraMs));
  });

  test('is not seen by other models or devices', () => {
    const other = { ...TOY_MODEL, name: 'other' };
    assert.equal(profiled.decode({ ...toy(0), model: other }).source, 'formula');
    assert.equal(profiled.decode({ ...toy(0), device: 'rtx-4090' }).source, 'formula');
  });

  test('measured load, KV and recompute figures drive the preemption paths', () => {
    const cpuQuery: CostQuery = {
      model: TOY_MODEL,
      device: 'cpu',
      gpuLayers: 0,
      contextSize: 2048,
    };
    const model = plain.withProfile({
      ...emptyModelProfile('toy', 'cpu'),
      loadWarmMs: [{ gpuLayers: 0, value: 250, samples: 1 }],
      kvSaveMsPerToken: { value: 0.01, samples: 1 },
      kvRestoreMsPerToken: { value: 0.02, samples: 1 },
      kvStateBytesPerToken: { value: 5000, samples: 1 },
      recomputeTokensPerSecond: { value: 1000, samples: 1 },
    });
    assert.deepEqual(model.load(cpuQuery, 'warm'), { value: 250, source: 'measured' });
    const costs = model.predictPreemptionCosts(cpuQuery, {
      promptTokens: 300,
      generatedTokens: 100,
    });
    assertClose(costs['save-restore-kv'].seconds, 0.012); // 400 × (0.01 + 0.02) ms
    assert.equal(costs['save-restore-kv'].bytesMoved, 2 * 400 * 5000);
    assertClose(costs['recompute-kv'].seconds, 0.4); // 400 tokens at 1,000/s
    assertClose(costs['evict-reload'].seconds, 0.25 + 0.4);
    assert.equal(
      model.cheapestPreemption(cpuQuery, { promptTokens: 300, generatedTokens: 100 }).path,
      'save-restore-kv',
    );
  });

  test('a device profile replaces the host bandwidth defaults', () => {
    const model = plain.withProfile({
      device: 'cpu',
      hostBandwidth: [
        { threads: 1, bytesPerSecond: 8e9 },
        { threads: 2, bytesPerSecond: 12e9 },
      ],
      storageReadBytesPerSecond: 2e9,
    });
    const host = model.hostFor('cpu');
    assert.equal(host.memoryBandwidthPerThreadBytesPerSecond, 8e9);
    assert.equal(host.memoryBandwidthBytesPerSecond, 12e9);
    assert.equal(host.storageReadBytesPerSecond, 2e9);
    assert.equal(model.hostFor(TOY_GPU.id), TOY_ENV.host);
    const cpuQuery: CostQuery = {
      model: TOY_MODEL,
      device: 'cpu',
      gpuLayers: 0,
      contextSize: 2048,
      threads: 1,
    };
    assert.ok(
      model.predictDecodeTokensPerSecond(cpuQuery) < plain.predictDecodeTokensPerSecond(cpuQuery),
    );
  });

  test("a device profile's fixed cost per token applies at its thread count", () => {
    const model = plain.withProfile({
      device: 'cpu',
      hostBandwidth: [
        { threads: 1, bytesPerSecond: 8e9, tokenOverheadMs: 0.25 },
        { threads: 2, bytesPerSecond: 12e9, tokenOverheadMs: 8 },
      ],
    });
    assert.deepEqual(model.hostFor('cpu').measuredTokenOverheadMs, [
      { threads: 1, ms: 0.25 },
      { threads: 2, ms: 8 },
    ]);
    const query: CostQuery = {
      model: TOY_MODEL,
      device: 'cpu',
      gpuLayers: 0,
      contextSize: 2048,
      threads: 2,
    };
    // 460.05 MB at 12 GB/s = 38.3375 ms, + 8 + 4 × 0.25 + 0.001 ms.
    assertClose(model.predictDecodeTokensPerSecond(query), 1000 / (38.3375 + 9.001));
  });

  test('offload curves use the profile', () => {
    const curve = profiled.offloadCurve({
      model: TOY_MODEL,
      device: TOY_GPU.id,
      contextSize: 2048,
      threads: 2,
    });
    assert.equal(curve.points[0].tokensPerSecond, 10);
    assert.equal(curve.points[4].tokensPerSecond, 100);
    assert.equal(curve.points.length, 6);
  });
});

describe('CostModel.observe and withProfile', () => {
  test('smooths exponentially, the first observation taken as it is', () => {
    const decode = { kind: 'decodeTokensPerSecond', gpuLayers: 0, threads: 2 } as const;
    const first = plain.observe('toy', TOY_GPU.id, decode, 10, 1_000);
    assert.deepEqual(first.decodeTokensPerSecond, [
      { gpuLayers: 0, threads: 2, value: 10, samples: 1 },
    ]);
    assert.equal(first.updatedAt, 1_000);
    const once = plain.withProfile(first);
    // 10 + 0.2 × (20 − 10) = 12, then 12 + 0.2 × (20 − 12) = 13.6.
    const second = once.observe('toy', TOY_GPU.id, decode, 20);
    assert.deepEqual(second.decodeTokensPerSecond, [
      { gpuLayers: 0, threads: 2, value: 12, samples: 2 },
    ]);
    const third = once.withProfile(second).observe('toy', TOY_GPU.id, decode, 20);
    assertClose(third.decodeTokensPerSecond[0].value, 13.6);
    assert.equal(once.withProfile(second).decode(toy(0)).value, 12);
  });

  test('keeps levels sorted and smooths scalar figures the same way', () => {
    let model = plain;
    for (const [gpuLayers, value] of [
      [4, 100],
      [0, 10],
    ] as const) {
      model = model.withProfile(
        model.observe('toy', TOY_GPU.id, { kind: 'loadMs', cache: 'cold', gpuLayers }, value),
      );
    }
    assert.deepEqual(
      model.modelProfile('toy', TOY_GPU.id)?.loadColdMs.map((p) => p.gpuLayers),
      [0, 4],
    );
    const kv = { kind: 'kvSaveMsPerToken' } as const;
    const once = model.withProfile(model.observe('toy', TOY_GPU.id, kv, 1));
    assert.deepEqual(once.observe('toy', TOY_GPU.id, kv, 2).kvSaveMsPerToken, {
      value: 1.2,
      samples: 2,
    });
    assert.throws(() => plain.observe('toy', TOY_GPU.id, kv, Number.NaN), RangeError);
    assert.throws(() => plain.observe('toy', TOY_GPU.id, kv, 0), RangeError);
  });

  test('withProfile returns a new model and leaves the old one as it was', () => {
    assert.notEqual(profiled, plain);
    assert.equal(plain.modelProfile('toy', TOY_GPU.id), undefined);
    const replaced = profiled.withProfile({ ...measured, decodeTokensPerSecond: [] });
    assert.equal(replaced.modelProfile('toy', TOY_GPU.id)?.decodeTokensPerSecond.length, 0);
    assert.equal(profiled.modelProfile('toy', TOY_GPU.id)?.decodeTokensPerSecond.length, 2);
    assert.throws(() => new CostModel({ smoothing: 0 }), RangeError);
  });

  test('round-trips through JSON with the same predictions', () => {
    const json = JSON.parse(JSON.stringify(profiled)) as ReturnType<CostModel['toJSON']>;
    const restored = CostModel.fromJSON(json);
    assert.deepEqual(restored.toJSON(), profiled.toJSON());
    assert.deepEqual(restored.decode(toy(2)), profiled.decode(toy(2)));
    assert.deepEqual(parseModelProfile(json.profiles.models[0]), measured);
  });
});

describe('profile parsing', () => {
  test('names the field that is wrong', () => {
    assert.throws(
      () => parseModelProfile({ ...measured, decodeTokensPerSecond: [{ gpuLayers: 0 }] }),
      /decodeTokensPerSecond/,
    );
    assert.throws(() => parseModelProfile({ ...measured, model: 3 }), /"model"/);
    assert.throws(() => parseModelProfile(null), TypeError);
    assert.throws(
      () =>
        parseDeviceProfile({ device: 'cpu', hostBandwidth: [{ threads: 1, bytesPerSecond: -1 }] }),
      /hostBandwidth/,
    );
    assert.throws(
      () =>
        parseDeviceProfile({
          device: 'cpu',
          hostBandwidth: [{ threads: 1, bytesPerSecond: 1e9, tokenOverheadMs: 'x' }],
        }),
      /hostBandwidth/,
    );
    assert.deepEqual(parseDeviceProfile({ device: 'cpu', hostBandwidth: [] }), {
      device: 'cpu',
      hostBandwidth: [],
    });
  });
});

describe('CostModel.decodeBatchExtra', () => {
  const cpu = new CostModel({ host: TOY_ENV.host, factors: TOY_ENV.factors });
  const onCpu = (threads: number): CostQuery => ({
    model: TOY_MODEL,
    device: 'cpu',
    gpuLayers: 0,
    contextSize: 2048,
    threads,
  });
  // The formula's single step on the CPU at 1 thread: 460.05 MB at 10 GB/s = 46.005 ms, plus
  // 0.5 ms per token, 4 × 0.25 ms per block and 0.001 ms of sampling.
  const formulaStepMs = 47.506;
  const single: ModelProfile = {
    ...emptyModelProfile('toy', 'cpu'),
    decodeTokensPerSecond: [{ gpuLayers: 0, threads: 1, value: 20, samples: 3 }],
  };

  test('without a profile: the formula (a CPU streams the weights again, a GPU only samples)', () => {
    const extra = cpu.decodeBatchExtra(onCpu(1));
    assert.equal(extra.source, 'formula');
    assertClose(extra.value, 46.006);
    assert.deepEqual(plain.decodeBatchExtra(toy(5)), { value: 0.001, source: 'formula' });
    assert.equal(cpu.predictDecodeBatchExtraMs(onCpu(1)), extra.value);
  });

  test('a measured single step calibrates the formula (old profiles, no batch measured)', () => {
    const extra = cpu.withProfile(single).decodeBatchExtra(onCpu(1));
    assert.equal(extra.source, 'calibrated');
    // 46.006 ms of a 47.506 ms formula step, on a measured 50 ms step.
    assertClose(extra.value, (46.006 * 50) / formulaStepMs);
  });

  test('measured batches give the share of a step each extra sequence adds', () => {
    const profile: ModelProfile = {
      ...single,
      decodeBatchTokensPerSecond: [
        // Two at 12.5 tokens/s each: a step 1.6× as long; three at 10: 2×.
        {
          gpuLayers: 0,
          threads: 1,
          sequences: 2,
          value: 12.5,
          singleTokensPerSecond: 20,
          samples: 3,
        },
        {
          gpuLayers: 0,
          threads: 1,
          sequences: 3,
          value: 10,
          singleTokensPerSecond: 20,
          samples: 3,
        },
      ],
    };
    const model = cpu.withProfile(profile);
    // Least squares through the origin: (0.6 × 1 + 1 × 2) / (1 + 4) = 0.52 of the 50 ms step.
    const extra = model.decodeBatchExtra(onCpu(1));
    assert.equal(extra.source, 'measured');
    assertClose(extra.value, 26);
    // At 2 threads the share measured at 1 thread, of the 2-thread step.
    const two = model.decodeBatchExtra(onCpu(2));
    assert.equal(two.source, 'calibrated');
    assertClose(two.value, (0.52 * 1000) / model.decode(onCpu(2)).value);
  });

  test('profiles without batched decode stay readable; a bad one names the field', () => {
    assert.deepEqual(parseModelProfile(JSON.parse(JSON.stringify(single))), single);
    const bad = {
      ...single,
      decodeBatchTokensPerSecond: [
        {
          gpuLayers: 0,
          threads: 1,
          sequences: 1,
          value: 20,
          singleTokensPerSecond: 20,
          samples: 1,
        },
      ],
    };
    assert.throws(() => parseModelProfile(bad), /decodeBatchTokensPerSecond/);
  });
});

describe('CostModel with catalog models', () => {
  test('answers for every catalog device (what the scheduler needs)', () => {
    const model = new CostModel();
    const spec = syntheticModelSpec({ shape: 'llama-2-7b', quantization: 'Q4_K_M' });
    for (const device of Object.keys(DEVICE_CATALOG)) {
      const query: CostQuery = { model: spec, device, gpuLayers: 33, contextSize: 4096 };
      assert.ok(model.predictDecodeTokensPerSecond(query) > 0, device);
      assert.ok(model.predictPrefillTokensPerSecond(query) > 0, device);
      assert.ok(model.predictLoadMs(query, 'cold') > model.predictLoadMs(query, 'warm'), device);
      assert.ok(
        model.cheapestPreemption(query, { promptTokens: 500, generatedTokens: 100 }).seconds > 0,
      );
    }
  });
});
