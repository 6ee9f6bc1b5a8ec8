import { hostCopyBytesPerSecond } from './host-spec.js';
import { loadBreakdown, type CacheState } from './load-prediction.js';
import { kvBytesPerTokenPerLayer } from './model-spec.js';
import {
  DEFAULT_COST_ENVIRONMENT,
  linkBytesPerSecond,
  type CostEnvironment,
  type Placement,
} from './placement.js';
import { predictPrefillTokensPerSecond } from './prefill-prediction.js';
import { residencyOf } from './residency.js';
import { MS_PER_SECOND } from './units.js';

/** The job being preempted: its sequence is promptTokens + generatedTokens long. */
export interface PreemptedJob {
  promptTokens: number;
  generatedTokens: number;
}

/**
 * The three ways to free a slot and later resume: keep the model and move the sequence's KV
 * state out and back; drop the KV and recompute it from the tokens; evict the model too, then
 * reload it and recompute.
 */
export type PreemptionPath = 'save-restore-kv' | 'recompute-kv' | 'evict-reload';

/** The price of one path, from the preemption to the resumed job's first new token. */
export interface PreemptionCost {
  path: PreemptionPath;
  seconds: number;
  /** Bytes copied across links and memory on the way (token ids, a few bytes each, left out). */
  bytesMoved: number;
}

/** Every path's price, by path. */
export type PreemptionCosts = Record<PreemptionPath, PreemptionCost>;

/** The figures the three paths are assembled from, from the formulas or from a profile. */
export interface PreemptionComponents {
  /** Tokens of the sequence: promptTokens + generatedTokens. */
  tokens: number;
  /** Saving plus restoring the sequence's KV state. */
  kvSaveRestoreSeconds: number;
  /** KV state moved in each direction. */
  kvStateBytes: number;
  /** Prompt-processing rate for recomputing the sequence. */
  recomputeTokensPerSecond: number;
  reloadSeconds: number;
  /** Bytes a reload reads and uploads. */
  reloadBytes: number;
}

/** The three paths from their components: recompute = tokens / rate; reload adds to it. */
export function combinePreemptionCosts(c: PreemptionComponents): PreemptionCosts {
  const recomputeSeconds = c.tokens === 0 ? 0 : c.tokens / c.recomputeTokensPerSecond;
  return {
    'save-restore-kv': {
      path: 'save-restore-kv',
      seconds: c.kvSaveRestoreSeconds,
      bytesMoved: 2 * c.kvStateBytes,
    },
    'recompute-kv': { path: 'recompute-kv', seconds: recomputeSeconds, bytesMoved: 0 },
    'evict-reload': {
      path: 'evict-reload',
      seconds: c.reloadSeconds + recomputeSeconds,
      bytesMoved: c.reloadBytes,
    },
  };
}

/** Throws a RangeError unless both token counts are non-negative integers. */
export function sequenceTokens(job: PreemptedJob): number {
  for (const [key, value] of Object.entries(job)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${key} must be a non-negative integer (got ${String(value)})`);
    }
  }
  return job.promptTokens + job.generatedTokens;
}

/**
 * The formulas' components. KV state = KV bytes per token per layer × tokens, split by layer
 * residency: the GPU part crosses the host link, the host part is a memory copy, once out and
 * once back. Recompute runs at the prefill rate of a prompt as long as the sequence. A reload
 * reads the file (from the page cache unless told `cold`) and uploads the GPU share.
 */
export function formulaPreemptionComponents(
  placement: Placement,
  job: PreemptedJob,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
  reloadCache: CacheState = 'warm',
): PreemptionComponents {
  const tokens = sequenceTokens(job);
  const { model, device, gpuLayers } = placement;
  const residency = residencyOf(model, gpuLayers, device.kind);
  const kvPerBlock = kvBytesPerTokenPerLayer(model) * tokens;
  const gpuKvBytes = kvPerBlock * residency.gpuBlocks;
  const hostKvBytes = kvPerBlock * residency.hostBlocks;
  const oneWaySeconds =
    (gpuKvBytes === 0 ? 0 : gpuKvBytes / linkBytesPerSecond(device, env)) +
    hostKvBytes / hostCopyBytesPerSecond(env.host);
  const load = loadBreakdown(placement, reloadCache, env);
  return {
    tokens,
    kvSaveRestoreSeconds: 2 * oneWaySeconds,
    kvStateBytes: gpuKvBytes + hostKvBytes,
    recomputeTokensPerSecond: predictPrefillTokensPerSecond(placement, Math.max(1, tokens), env),
    reloadSeconds: load.totalMs / MS_PER_SECOND,
    reloadBytes: load.bytesRead + load.bytesUploaded,
  };
}

/** The three preemption paths of a job on a placement, by the formulas. */
export function predictPreemptionCosts(
  placement: Placement,
  job: PreemptedJob,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
  reloadCache: CacheState = 'warm',
): PreemptionCosts {
  return combinePreemptionCosts(formulaPreemptionComponents(placement, job, env, reloadCache));
}

/** The fastest path; among equally fast ones, the one that moves fewer bytes. */
export function cheapestPreemption(costs: PreemptionCosts): PreemptionCost {
  return Object.values(costs).reduce((best, cost) =>
    cost.seconds < best.seconds ||
    (cost.seconds === best.seconds && cost.bytesMoved < best.bytesMoved)
      ? cost
      : best,
  );
}
