import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_CATALOG } from './device-catalog.js';
import { DEFAULT_COST_ENVIRONMENT, linkBytesPerSecond } from './placement.js';
import {
  blockParameters,
  predictPrefillTokensPerSecond,
  prefillBreakdown,
} from './prefill-prediction.js';
import { syntheticModelSpec } from './model-shapes.js';
import { assertClose, TOY_ENV, TOY_GPU, TOY_MODEL } from './test-fixtures.js';

describe('prefillBreakdown', () => {
  test('on a CPU is 2 FLOP per block weight plus attention, over the host FLOP rate', () => {
    const model = syntheticModelSpec({ shape: 'synth-850m', quantization: 'Q8_0' });
    // (852,559,872 − 2 × 32,000 × 2048 − 2048) / 16 blocks = 45,092,864 weights a block.
    assert.equal(blockParameters(model), 45_092_864);
    const placement = {
      model,
      device: DEVICE_CATALOG.cpu,
      gpuLayers: 0,
      contextSize: 2048,
      threads: 1,
    };
    const p = prefillBreakdown(placement, 256, DEFAULT_COST_ENVIRONMENT);
    // Per block: 2 × 45,092,864 + 4 × 2048 × 128 (half of 256 earlier positions) = 91,234,304.
    assert.equal(p.hostFlopsPerToken, 16 * 91_234_304);
    // At 70 GFLOP/s: 20.85 ms a token, 47.95 tokens/s (measured here: 48 with 1 thread).
    assertClose(p.msPerToken, ((16 * 91_234_304) / 70e9) * 1000);
    assert.equal(p.hostWeightsOffloaded, false);
  });

  test('never beats reading the weights once per micro-batch', () => {
    // The toy model has few weights for its bytes: 400 MB of blocks / 10 GB/s / 100 tokens.
    const placement = {
      model: TOY_MODEL,
      device: DEVICE_CATALOG.cpu,
      gpuLayers: 0,
      contextSize: 2048,
      threads: 1,
    };
    assertClose(prefillBreakdown(placement, 100, TOY_ENV).hostMs, 0.4);
  });

  test('ships host-resident blocks to the GPU for micro-batches of 32 tokens or more', () => {
    const placement = {
      model: TOY_MODEL,
      device: TOY_GPU,
      gpuLayers: 2,
      contextSize: 2048,
      threads: 1,
    };
    const big = prefillBreakdown(placement, 512, TOY_ENV);
    assert.equal(big.hostWeightsOffloaded, true);
    const gpuFlops = 100e12 * 0.5;
    const link = linkBytesPerSecond(TOY_GPU, TOY_ENV);
    assertClose(big.hostMs, (big.hostFlopsPerToken / gpuFlops + 2e8 / link / 512) * 1000);
    assert.equal(prefillBreakdown(placement, 16, TOY_ENV).hostWeightsOffloaded, false);
    assert.ok(predictPrefillTokensPerSecond(placement, 512, TOY_ENV) > 0);
  });
});
