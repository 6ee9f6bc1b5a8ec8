import { computeBufferBytes } from './compute-buffer.js';
import { kvBytesPerTokenPerLayer } from './model-spec.js';
import { DEFAULT_COST_ENVIRONMENT, type CostEnvironment, type Placement } from './placement.js';
import { maxGpuLayers, residencyOf } from './residency.js';

/** Memory a placement needs, by kind and by side. */
export interface MemoryPrediction {
  gpuWeightBytes: number;
  gpuKvCacheBytes: number;
  gpuComputeBufferBytes: number;
  /** Everything on the GPU. */
  gpuBytes: number;
  hostWeightBytes: number;
  hostKvCacheBytes: number;
  /** Compute buffer plus the logits output buffer. */
  hostComputeBufferBytes: number;
  /** Everything in host memory (mapped weight pages included). */
  hostBytes: number;
}

/** What a worker may spend; a side without a figure is not checked. */
export interface MemoryBudget {
  gpuBytes?: number;
  hostBytes?: number;
}

/** Bytes of one F32 value in llama.cpp's activation and logits buffers. */
const F32_BYTES = 4;

/**
 * Weights by residency, the KV cache split by the residency of its layers (contextSize tokens ×
 * KV bytes per token per layer × blocks on that side), and compute buffers: a backend running
 * at least one block holds a full one (llama.cpp sizes each for the worst micro-batch); the host
 * always holds the logits buffer (vocab × 4 bytes) and, when it runs no block, only the input
 * embeddings of one micro-batch.
 */
export function predictMemory(
  placement: Placement,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): MemoryPrediction {
  const { model, device, gpuLayers, contextSize } = placement;
  const residency = residencyOf(model, gpuLayers, device.kind);
  const kvPerBlock = kvBytesPerTokenPerLayer(model) * contextSize;
  const fullBuffer = computeBufferBytes(model, contextSize, env.factors.batchTokens);
  const microBatch = Math.min(env.factors.batchTokens, contextSize);
  const gpuRunsBlocks = residency.gpuBlocks > 0 || residency.outputOnGpu;

  const gpuKvCacheBytes = kvPerBlock * residency.gpuBlocks;
  const gpuComputeBufferBytes = gpuRunsBlocks ? fullBuffer : 0;
  const hostKvCacheBytes = kvPerBlock * residency.hostBlocks;
  const hostComputeBufferBytes =
    (residency.hostBlocks > 0 ? fullBuffer : F32_BYTES * microBatch * model.embeddingLength) +
    F32_BYTES * model.vocabSize;
  return {
    gpuWeightBytes: residency.gpuWeightBytes,
    gpuKvCacheBytes,
    gpuComputeBufferBytes,
    gpuBytes: residency.gpuWeightBytes + gpuKvCacheBytes + gpuComputeBufferBytes,
    hostWeightBytes: residency.hostWeightBytes,
    hostKvCacheBytes,
    hostComputeBufferBytes,
    hostBytes: residency.hostWeightBytes + hostKvCacheBytes + hostComputeBufferBytes,
  };
}

/** True when the prediction stays within every side of the budget that has a figure. */
export function fits(prediction: MemoryPrediction, budget: MemoryBudget): boolean {
  return (
    (budget.gpuBytes === undefined || prediction.gpuBytes <= budget.gpuBytes) &&
    (budget.hostBytes === undefined || prediction.hostBytes <= budget.hostBytes)
  );
}

/**
 * The most GPU layers (0 to layers + 1) at which the placement fits the budget, or undefined
 * when not even 0 does. GPU bytes grow with every layer, so the search walks down from the top.
 */
export function maxGpuLayersThatFit(
  placement: Omit<Placement, 'gpuLayers'>,
  budget: MemoryBudget,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): number | undefined {
  const top = placement.device.kind === 'cpu' ? 0 : maxGpuLayers(placement.model);
  for (let gpuLayers = top; gpuLayers >= 0; gpuLayers--) {
    if (fits(predictMemory({ ...placement, gpuLayers }, env), budget)) return gpuLayers;
  }
  return undefined;
}
