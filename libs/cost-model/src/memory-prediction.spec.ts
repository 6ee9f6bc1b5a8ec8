import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_CATALOG } from './device-catalog.js';
import { fits, maxGpuLayersThatFit, predictMemory } from './memory-prediction.js';
import { residencyOf } from './residency.js';
import { TOY_ENV, TOY_GPU, TOY_MODEL } from './test-fixtures.js';

const at = (gpuLayers: number) => ({
  model: TOY_MODEL,
  device: TOY_GPU,
  gpuLayers,
  contextSize: 256,
  threads: 1,
});

describe('residencyOf', () => {
  test('offloads the last blocks first and the output only at layers + 1', () => {
    assert.deepEqual(residencyOf(TOY_MODEL, 2, 'cuda'), {
      gpuLayers: 2,
      gpuBlocks: 2,
      hostBlocks: 2,
      outputOnGpu: false,
      gpuWeightBytes: 2e8,
      hostWeightBytes: 2e8 + 5e7 + 6e7,
    });
    const all = residencyOf(TOY_MODEL, 5, 'cuda');
    assert.equal(all.outputOnGpu, true);
    assert.equal(all.gpuWeightBytes, 4e8 + 6e7);
    assert.equal(all.hostWeightBytes, 5e7); // token_embd never leaves the host
    assert.equal(residencyOf(TOY_MODEL, 4, 'cuda').outputOnGpu, false);
    assert.equal(residencyOf(TOY_MODEL, 5, 'cpu').gpuLayers, 0);
    assert.throws(() => residencyOf(TOY_MODEL, 6, 'cuda'), RangeError);
    assert.throws(() => residencyOf(TOY_MODEL, 1.5, 'cuda'), RangeError);
  });

  test('keeps one host copy of a tied output and uploads a second one', () => {
    const tied = { ...TOY_MODEL, tiedEmbeddings: true, outputBytes: 5e7 };
    assert.equal(residencyOf(tied, 0, 'cuda').hostWeightBytes, 4e8 + 5e7);
    assert.equal(residencyOf(tied, 5, 'cuda').gpuWeightBytes, 4e8 + 5e7);
    assert.equal(residencyOf(tied, 5, 'cuda').hostWeightBytes, 5e7);
  });
});

describe('predictMemory', () => {
  test('at 2 of 4 blocks on the GPU, by hand', () => {
    // KV: 1,000 bytes per token per block × 256 tokens × 2 blocks = 512,000 bytes a side.
    // Compute buffer: 4 bytes × 256 tokens × (max(vocab 1,000, 4 heads × 256) + 4 × 64) = 1,310,720.
    // Host also holds the logits: 4 × 1,000 bytes.
    assert.deepEqual(predictMemory(at(2), TOY_ENV), {
      gpuWeightBytes: 200_000_000,
      gpuKvCacheBytes: 512_000,
      gpuComputeBufferBytes: 1_310_720,
      gpuBytes: 200_000_000 + 512_000 + 1_310_720,
      hostWeightBytes: 310_000_000,
      hostKvCacheBytes: 512_000,
      hostComputeBufferBytes: 1_310_720 + 4_000,
      hostBytes: 310_000_000 + 512_000 + 1_310_720 + 4_000,
    });
  });

  test('with everything offloaded the host keeps the embeddings and one micro-batch of inputs', () => {
    const memory = predictMemory(at(5), TOY_ENV);
    assert.equal(memory.gpuBytes, 460_000_000 + 1_024_000 + 1_310_720);
    // 4 bytes × 256 tokens × 64 + 4 × 1,000 logits.
    assert.equal(memory.hostBytes, 50_000_000 + 0 + 65_536 + 4_000);
  });

  test('on a CPU everything is host memory', () => {
    const memory = predictMemory({ ...at(5), device: DEVICE_CATALOG.cpu }, TOY_ENV);
    assert.equal(memory.gpuBytes, 0);
    assert.equal(memory.hostWeightBytes, 510_000_000);
    assert.equal(memory.hostKvCacheBytes, 1_024_000);
  });

  test('fits exactly at the budget, and the largest fitting level is found', () => {
    const gpuBytes = predictMemory(at(2), TOY_ENV).gpuBytes;
    assert.equal(fits(predictMemory(at(2), TOY_ENV), { gpuBytes }), true);
    assert.equal(fits(predictMemory(at(2), TOY_ENV), { gpuBytes: gpuBytes - 1 }), false);
    assert.equal(fits(predictMemory(at(2), TOY_ENV), {}), true);
    assert.equal(fits(predictMemory(at(2), TOY_ENV), { gpuBytes, hostBytes: 1e8 }), false);
    const { gpuLayers: _ignored, ...placement } = at(0);
    assert.equal(maxGpuLayersThatFit(placement, { gpuBytes }, TOY_ENV), 2);
    assert.equal(maxGpuLayersThatFit(placement, { gpuBytes: 1e12 }, TOY_ENV), 5);
    assert.equal(maxGpuLayersThatFit(placement, { hostBytes: 1 }, TOY_ENV), undefined);
  });
});
