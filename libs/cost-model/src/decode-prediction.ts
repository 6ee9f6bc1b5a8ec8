import { hostBandwidthBytesPerSecond, hostTokenOverheadMs } from './host-spec.js';
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
 * (threads) + overhead, where overhead = token overhead + hostBlocks × layerOverheadMs +
 * gpuBlocks × gpuLayerOverheadMs + vocab × samplingNsPerVocabEntry, never below 0. The token
 * overhead is the host probe's figure for the thread count when the token runs weights on the
 * host's threads (a block or the output projection; see hostTokenOverheadMs), else the default
 * tokenOverheadMs. The two sides run one after the other (a token passes the host blocks, then the
 * GPU ones), so their times add, and the throughput 1 / time falls hyperbolically, not linearly,
 * as blocks leave the GPU.
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
  const usesHostThreads = residency.hostBlocks > 0 || !residency.outputOnGpu;
  const tokenOverheadMs = usesHostThreads
    ? hostTokenOverheadMs(host, threads)
    : host.tokenOverheadMs;
  const overheadMs = Math.max(
    0,
    tokenOverheadMs +
      residency.hostBlocks * host.layerOverheadMs +
      residency.gpuBlocks * factors.gpuLayerOverheadMs +
      (model.vocabSize * host.samplingNsPerVocabEntry) / 1e6,
  );
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

/**
 * Time (ms) each sequence beyond the first adds to one batched decode step of a copy, empty cache
 * (attention reads of each sequence's own KV come on top, as in decodeBreakdown). Every sequence
 * samples over the vocabulary. On a GPU the batch shares its weight reads (decode is
 * memory-bound), so that is all; the host-resident blocks of a partly offloaded copy are taken as
 * shared too (not measured). On a CPU a small batch does not share them: llama.cpp's dot
 * products are bound by the core, not by DRAM (HostSpec: one thread streams about 12 GB/s, two
 * together 20), and a batch of two runs two dot products per weight row. The extra time is the
 * weight streaming of the second sequence, step(2) − step(1) with step(n) = max(n × host bytes /
 * (threads × per-thread rate), host bytes / the host's memory cap): the full streaming time while
 * the threads are core-bound, less where the memory cap already bounds one sequence. The fixed
 * per-token and per-block costs (graph build, dispatch) are paid once per step.
 */
export function decodeBatchExtraMs(
  placement: Placement,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): number {
  const { model, device, threads } = placement;
  const samplingMs = (model.vocabSize * env.host.samplingNsPerVocabEntry) / 1e6;
  if (device.kind !== 'cpu') return samplingMs;
  const { hostBytesRead } = decodeBreakdown(placement, 0, env);
  const coreMs =
    (hostBytesRead / (threads * env.host.memoryBandwidthPerThreadBytesPerSecond)) * MS_PER_SECOND;
  const memoryMs = (hostBytesRead / env.host.memoryBandwidthBytesPerSecond) * MS_PER_SECOND;
  return samplingMs + Math.max(2 * coreMs, memoryMs) - Math.max(coreMs, memoryMs);
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

/** One all-host decode the host probe measured: the model's placement and its rate. */
export interface HostDecodeSample {
  placement: Placement;
  tokensPerSecond: number;
}

/** What two all-host decodes imply about a host at one thread count. */
export interface HostDecodeFit {
  /** Weight-streaming rate: the slope of time per token against bytes per token. */
  bytesPerSecond: number;
  /** Fixed cost per token beyond the per-block and sampling terms (HostSpec.measuredTokenOverheadMs). */
  tokenOverheadMs: number;
}

/**
 * Fits time per token = tokenOverhead + the formula's per-block and sampling terms + host bytes /
 * bandwidth through two all-host decodes at the same thread count, one of a model that reads few
 * bytes per token and one of a model that reads many: two unknowns, two equations. The overhead is
 * a host property as much as the bandwidth is (on a 2-vCPU host two llama.cpp threads lose a core
 * to the process's own threads for about the same time every token), so no per-model constant
 * enters. A cost cannot be negative: where the line's intercept is (the formula's per-block cost
 * already exceeds the host's whole fixed cost), the overhead is 0 and the large decode alone gives
 * the bandwidth. Undefined unless the larger model reads more bytes and takes longer per token.
 */
export function hostDecodeFit(
  small: HostDecodeSample,
  large: HostDecodeSample,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): HostDecodeFit | undefined {
  const noTokenOverhead = { ...env, host: { ...env.host, tokenOverheadMs: 0 } };
  delete noTokenOverhead.host.measuredTokenOverheadMs;
  const point = ({ placement, tokensPerSecond }: HostDecodeSample) => {
    const { hostBytesRead, overheadMs } = decodeBreakdown(
      { ...placement, gpuLayers: 0 },
      0,
      noTokenOverhead,
    );
    return { bytes: hostBytesRead, ms: MS_PER_SECOND / tokensPerSecond - overheadMs };
  };
  const a = point(small);
  const b = point(large);
  if (!(b.bytes > a.bytes && b.ms > a.ms)) return undefined;
  const msPerByte = (b.ms - a.ms) / (b.bytes - a.bytes);
  const tokenOverheadMs = a.ms - a.bytes * msPerByte;
  if (tokenOverheadMs < 0)
    return { bytesPerSecond: (b.bytes / b.ms) * MS_PER_SECOND, tokenOverheadMs: 0 };
  return { bytesPerSecond: MS_PER_SECOND / msPerByte, tokenOverheadMs };
}
