import { hostBandwidthBytesPerSecond, hostFlopsPerSecond } from './host-spec.js';
import { blockBytes, type ModelSpec } from './model-spec.js';
import {
  DEFAULT_COST_ENVIRONMENT,
  linkBytesPerSecond,
  type CostEnvironment,
  type Placement,
} from './placement.js';
import { residencyOf } from './residency.js';
import { MS_PER_SECOND } from './units.js';

/** Where the time of one prompt token goes. */
export interface PrefillBreakdown {
  /** Matmul and attention FLOP per prompt token in GPU-resident blocks. */
  gpuFlopsPerToken: number;
  /** The same in host-resident blocks. */
  hostFlopsPerToken: number;
  gpuMs: number;
  hostMs: number;
  /** True when llama.cpp ships host-resident weights to the GPU for each micro-batch. */
  hostWeightsOffloaded: boolean;
  msPerToken: number;
  tokensPerSecond: number;
}

/**
 * Smallest micro-batch for which llama.cpp's GPU backends run the matmuls of host-resident
 * weights on the GPU, copying the weights over the link (its op-offload rule).
 */
export const OP_OFFLOAD_MIN_BATCH = 32;

/**
 * Weights of one block's matrices: the parameters outside token_embd, the output projection and
 * the output norm, shared evenly by the blocks (llama blocks are identical).
 */
export function blockParameters(model: ModelSpec): number {
  const nonBlock = model.vocabSize * model.embeddingLength * (model.tiedEmbeddings ? 1 : 2);
  return model.layers === 0
    ? 0
    : Math.max(0, model.parameters - nonBlock - model.embeddingLength) / model.layers;
}

/**
 * FLOP per prompt token in one block: 2 per weight for the matmuls plus attention, 4 × dim per
 * earlier position (QKᵀ and AV), promptTokens / 2 positions on average. The output projection is
 * left out: prompt processing computes logits for the last token only.
 */
export function blockFlopsPerPromptToken(model: ModelSpec, promptTokens: number): number {
  return 2 * blockParameters(model) + 4 * model.embeddingLength * (promptTokens / 2);
}

/**
 * Prefill is compute-bound: each side's time per token is its FLOP over its rate (GPU: dense FP16
 * peak × efficiency; host: flopsPerThread × threads, capped like the bandwidth), but never less
 * than reading its weights once per micro-batch. For a GPU device and a micro-batch of at least
 * OP_OFFLOAD_MIN_BATCH tokens, host-resident blocks run on the GPU as llama.cpp does, paying their
 * weights' trip over the link once per micro-batch instead of the host's FLOP rate.
 */
export function prefillBreakdown(
  placement: Placement,
  promptTokens: number = DEFAULT_COST_ENVIRONMENT.factors.batchTokens,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): PrefillBreakdown {
  const { model, device, gpuLayers, threads } = placement;
  const { host, factors } = env;
  const residency = residencyOf(model, gpuLayers, device.kind);
  const microBatch = Math.max(1, Math.min(factors.batchTokens, promptTokens));
  const flopsPerBlock = blockFlopsPerPromptToken(model, promptTokens);
  const gpuFlopsPerToken = flopsPerBlock * residency.gpuBlocks;
  const hostFlopsPerToken = flopsPerBlock * residency.hostBlocks;
  const hostBlockBytes = blockBytes(model, 0, residency.hostBlocks);

  const gpuFlops = device.fp16FlopsPerSecond * factors.gpuComputeEfficiency;
  const gpuBandwidth = device.memoryBandwidthBytesPerSecond * factors.gpuBandwidthEfficiency;
  const gpuSeconds = Math.max(
    gpuFlopsPerToken / gpuFlops,
    residency.gpuWeightBytes / gpuBandwidth / microBatch,
  );
  const hostWeightsOffloaded =
    device.kind !== 'cpu' && residency.hostBlocks > 0 && microBatch >= OP_OFFLOAD_MIN_BATCH;
  const hostSeconds = hostWeightsOffloaded
    ? hostFlopsPerToken / gpuFlops + hostBlockBytes / linkBytesPerSecond(device, env) / microBatch
    : Math.max(
        hostFlopsPerToken / hostFlopsPerSecond(host, threads),
        hostBlockBytes / hostBandwidthBytesPerSecond(host, threads) / microBatch,
      );
  const msPerToken = (gpuSeconds + hostSeconds) * MS_PER_SECOND;
  return {
    gpuFlopsPerToken,
    hostFlopsPerToken,
    gpuMs: gpuSeconds * MS_PER_SECOND,
    hostMs: hostSeconds * MS_PER_SECOND,
    hostWeightsOffloaded,
    msPerToken,
    tokensPerSecond: MS_PER_SECOND / msPerToken,
  };
}

/** Prompt tokens per second for a prompt of promptTokens tokens (see prefillBreakdown). */
export function predictPrefillTokensPerSecond(
  placement: Placement,
  promptTokens: number = DEFAULT_COST_ENVIRONMENT.factors.batchTokens,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): number {
  return prefillBreakdown(placement, promptTokens, env).tokensPerSecond;
}
