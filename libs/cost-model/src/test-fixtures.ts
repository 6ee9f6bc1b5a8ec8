import assert from 'node:assert/strict';
import type { DeviceSpec } from './device-spec.js';
import { DEFAULT_ENGINE_FACTORS } from './engine-factors.js';
import { DEFAULT_HOST_SPEC } from './host-spec.js';
import type { ModelSpec } from './model-spec.js';
import type { CostEnvironment } from './placement.js';

/**
 * A four-block toy model with round figures so that tests can be checked by hand: 100 MB per
 * block, 50 MB of embeddings (1,000 rows of 50 kB), a 60 MB output, 1 kB of KV per token per block.
 */
export const TOY_MODEL: ModelSpec = {
  name: 'toy',
  architecture: 'llama',
  quantization: 'Q8_0',
  parameters: 1_000_000,
  layers: 4,
  layerBytes: [1e8, 1e8, 1e8, 1e8],
  embeddingBytes: 5e7,
  outputBytes: 6e7,
  tiedEmbeddings: false,
  fileBytes: 2e9,
  kvBytesPerToken: 4000,
  embeddingLength: 64,
  headCount: 4,
  headCountKv: 4,
  vocabSize: 1000,
  contextLength: 4096,
};

/** A GPU with 1,000 GB/s of memory bandwidth on a PCIe 4.0 x16 link. */
export const TOY_GPU: DeviceSpec = {
  id: 'toy-gpu',
  name: 'Toy GPU',
  kind: 'cuda',
  memoryBytes: 16e9,
  memoryBandwidthBytesPerSecond: 1000e9,
  fp16FlopsPerSecond: 100e12,
  interconnect: { kind: 'pcie', generation: 4, lanes: 16 },
};

/**
 * Round host and engine figures: 10 GB/s per thread capped at 15 GB/s, 0.5 ms per token, 0.25 ms
 * per host block, 1 ns per vocabulary entry; half the GPU's bandwidth, 0.05 ms per GPU block.
 */
export const TOY_ENV: CostEnvironment = {
  host: {
    ...DEFAULT_HOST_SPEC,
    name: 'toy host',
    threads: 1,
    memoryBandwidthPerThreadBytesPerSecond: 10e9,
    memoryBandwidthBytesPerSecond: 15e9,
    flopsPerThreadPerSecond: 50e9,
    storageReadBytesPerSecond: 1e9,
    pageCacheReadBytesPerSecond: 4e9,
    loadSetupMs: 100,
    tokenOverheadMs: 0.5,
    layerOverheadMs: 0.25,
    samplingNsPerVocabEntry: 1,
  },
  factors: {
    ...DEFAULT_ENGINE_FACTORS,
    gpuBandwidthEfficiency: 0.5,
    gpuComputeEfficiency: 0.5,
    interconnectEfficiency: 0.8,
    gpuLayerOverheadMs: 0.05,
  },
};

/** Asserts |actual − expected| ≤ 1e-9 × |expected| (floating-point sums in a different order). */
export function assertClose(actual: number, expected: number, message?: string): void {
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    message ?? `expected ${expected}, got ${actual}`,
  );
}
