import { hostBandwidthBytesPerSecond } from './host-spec.js';
import { blockBytes, kvBytesPerTokenPerLayer } from './model-spec.js';
import { DEFAULT_COST_ENVIRONMENT, type CostEnvironment, type Placement } from './placement.js';
import { residencyOf } from './residency.js';
import { MS_PER_SECOND } from './units.js';

/** Where the time of one generated token goes. */
export interface DecodeBreakdown {
  /** Weights and KV read from GPU memory per token. */
  gpuBytesRead: number;
  /** Weights and KV read from host memory per token. */
  hostBytesRead: number;
  gpuMs: number;
  hostMs: number;
  overheadMs: number;
  msPerToken: number;
  tokensPerSecond: number;
}

/**
 * Decode is memory-bound: each token reads every block's weights, the whole output projection,
 * one row of token_embd and the KV of the kvTokens already in the sequence, once, wherever they
 * live. Time per token = GPU bytes / (GPU bandwidth × efficiency) + host bytes / host bandwidth
 * (threads) + overhead, where overhead = tokenOverheadMs + hostBlocks × layerOverheadMs +
 * gpuBlocks × gpuLayerOverheadMs + vocab × samplingNsPerVocabEntry. The two sides run one after
 * the other (a token passes the host blocks, then the GPU ones), so their times add, and the
 * throughput 1 / time falls hyperbolically, not linearly, as blocks leave the GPU.
 */
export function decodeBreakdown(
  placement: Placement,
  kvTokens = 0,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): DecodeBreakdown {
  const { model, device, gpuLayers, threads } = placement;
  const { host, factors } = env;
  const residency = residencyOf(model, gpuLayers, device.kind);
  const kvPerBlock = kvBytesPerTokenPerLayer(model) * kvTokens;
  const outputBytes = model.outputBytes;
  const embeddingRowBytes = model.vocabSize > 0 ? model.embeddingBytes / model.vocabSize : 0;

  const gpuBytesRead = residency.gpuWeightBytes + kvPerBlock * residency.gpuBlocks;
  const hostBytesRead =
    blockBytes(model, 0, residency.hostBlocks) +
    (residency.outputOnGpu ? 0 : outputBytes) +
    embeddingRowBytes +
    kvPerBlock * residency.hostBlocks;
  const gpuBandwidth = device.memoryBandwidthBytesPerSecond * factors.gpuBandwidthEfficiency;
  const gpuMs = gpuBytesRead === 0 ? 0 : (gpuBytesRead / gpuBandwidth) * MS_PER_SECOND;
  const hostMs = (hostBytesRead / hostBandwidthBytesPerSecond(host, threads)) * MS_PER_SECOND;
  const overheadMs =
    host.tokenOverheadMs +
    residency.hostBlocks * host.layerOverheadMs +
    residency.gpuBlocks * factors.gpuLayerOverheadMs +
    (model.vocabSize * host.samplingNsPerVocabEntry) / 1e6;
  const msPerToken = gpuMs + hostMs + overheadMs;
  return {
    gpuBytesRead,
    hostBytesRead,
    gpuMs,
    hostMs,
    overheadMs,
    msPerToken,
    tokensPerSecond: MS_PER_SECOND / msPerToken,
  };
}

/** Decode tokens per second of a placement with kvTokens already in the sequence (see decodeBreakdown). */
export function predictDecodeTokensPerSecond(
  placement: Placement,
  kvTokens = 0,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): number {
  return decodeBreakdown(placement, kvTokens, env).tokensPerSecond;
}

/**
 * The host bandwidth a measured all-host decode rate implies: host bytes per token / (measured
 * time per token − the formula's overhead). Lets a probe turn one decode of a model much larger
 * than the last-level cache into the HostSpec figure; undefined when the overhead alone exceeds
 * the measured time.
 */
export function hostBandwidthFromDecode(
  placement: Placement,
  tokensPerSecond: number,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): number | undefined {
  const hostOnly = { ...placement, gpuLayers: 0 };
  const { hostBytesRead, overheadMs } = decodeBreakdown(hostOnly, 0, env);
  const streamingMs = MS_PER_SECOND / tokensPerSecond - overheadMs;
  return streamingMs > 0 ? (hostBytesRead / streamingMs) * MS_PER_SECOND : undefined;
}
