import type { CacheState } from './load-prediction.js';

/** A figure measured at one offload level, with how many samples it smooths. */
export interface LevelMeasurement {
  gpuLayers: number;
  value: number;
  samples: number;
}

/** A figure measured at one offload level and host thread count. */
export interface ThreadedMeasurement extends LevelMeasurement {
  threads: number;
}

/**
 * Decode of several sequences of one loaded copy at once (the worker's slots), measured in the same
 * run as one sequence alone: `value` is the tokens/s of each sequence of the batch.
 */
export interface BatchDecodeMeasurement extends ThreadedMeasurement {
  /** Sequences decoding together (at least 2). */
  sequences: number;
  /** Tokens/s of one sequence alone at the same level and threads, in the same run. */
  singleTokensPerSecond: number;
}

/** A figure that does not depend on the offload level. */
export interface Measurement {
  value: number;
  samples: number;
}

/**
 * What the profiler (and live serving) measured for one model on one device. Every figure is
 * optional in effect: an empty list or a missing field leaves the formula in charge.
 */
export interface ModelProfile {
  model: string;
  /** Device id, as in the cost model's catalog. */
  device: string;
  decodeTokensPerSecond: ThreadedMeasurement[];
  prefillTokensPerSecond: ThreadedMeasurement[];
  loadColdMs: LevelMeasurement[];
  loadWarmMs: LevelMeasurement[];
  kvSaveMsPerToken?: Measurement;
  kvRestoreMsPerToken?: Measurement;
  /** Bytes of saved KV state per token of the sequence. */
  kvStateBytesPerToken?: Measurement;
  recomputeTokensPerSecond?: Measurement;
  /**
   * Batched decode on one copy (absent in profiles stored before it was measured): what each
   * extra sequence costs a step, where the formula can only guess (see CostModel.decodeBatchExtra).
   */
  decodeBatchTokensPerSecond?: BatchDecodeMeasurement[];
  /** Epoch ms of the last change, as the caller's clock gave it. */
  updatedAt?: number;
}

/** What the host probe measured where a device is installed. */
export interface DeviceProfile {
  device: string;
  /**
   * Weight-streaming bandwidth at each thread count probed (at least 1 thread and all), and where
   * the probe fitted it, the fixed cost per token at that count (HostSpec.measuredTokenOverheadMs).
   */
  hostBandwidth: { threads: number; bytesPerSecond: number; tokenOverheadMs?: number }[];
  storageReadBytesPerSecond?: number;
  pageCacheReadBytesPerSecond?: number;
  updatedAt?: number;
}

/** Every profile a cost model holds; plain data, stored as JSON. */
export interface Profiles {
  models: ModelProfile[];
  devices: DeviceProfile[];
}

/** A live or profiled figure to fold into a ModelProfile. */
export type ObservedMetric =
  | { kind: 'decodeTokensPerSecond'; gpuLayers: number; threads: number }
  | { kind: 'prefillTokensPerSecond'; gpuLayers: number; threads: number }
  | { kind: 'loadMs'; cache: CacheState; gpuLayers: number }
  | {
      kind:
        | 'kvSaveMsPerToken'
        | 'kvRestoreMsPerToken'
        | 'kvStateBytesPerToken'
        | 'recomputeTokensPerSecond';
    };

/** A profile with nothing measured yet. */
export function emptyModelProfile(model: string, device: string): ModelProfile {
  return {
    model,
    device,
    decodeTokensPerSecond: [],
    prefillTokensPerSecond: [],
    loadColdMs: [],
    loadWarmMs: [],
  };
}

/** Throws a RangeError unless the smoothing weight is in (0, 1]. */
export function assertSmoothing(alpha: number): void {
  if (!(alpha > 0 && alpha <= 1)) {
    throw new RangeError(`smoothing must be in (0, 1] (got ${alpha})`);
  }
}

/**
 * Exponential smoothing: value' = value + α (observed − value). The first observation is taken
 * as it is, so a profile starts at the first figure instead of creeping up from zero.
 */
export function smooth(
  previous: Measurement | undefined,
  observed: number,
  alpha: number,
): Measurement {
  if (previous === undefined) return { value: observed, samples: 1 };
  return {
    value: previous.value + alpha * (observed - previous.value),
    samples: previous.samples + 1,
  };
}

/** The list with the point at (gpuLayers[, threads]) smoothed towards `observed`, sorted by level. */
function smoothAt<T extends LevelMeasurement>(
  list: readonly T[],
  match: (point: T) => boolean,
  create: () => T,
  observed: number,
  alpha: number,
): T[] {
  const existing = list.find(match);
  const next = { ...(existing ?? create()), ...smooth(existing, observed, alpha) };
  return [...list.filter((point) => point !== existing), next].sort(
    (a, b) =>
      a.gpuLayers - b.gpuLayers ||
      ((a as Partial<ThreadedMeasurement>).threads ?? 0) -
        ((b as Partial<ThreadedMeasurement>).threads ?? 0),
  );
}

/** A new profile with one observation folded in; `at` (epoch ms, caller's clock) becomes updatedAt. */
export function observeInProfile(
  profile: ModelProfile,
  metric: ObservedMetric,
  observed: number,
  alpha: number,
  at?: number,
): ModelProfile {
  if (!(Number.isFinite(observed) && observed > 0)) {
    throw new RangeError(`an observed ${metric.kind} must be a positive number (got ${observed})`);
  }
  assertSmoothing(alpha);
  const next: ModelProfile = { ...profile, ...(at === undefined ? {} : { updatedAt: at }) };
  switch (metric.kind) {
    case 'decodeTokensPerSecond':
    case 'prefillTokensPerSecond': {
      const { gpuLayers, threads } = metric;
      next[metric.kind] = smoothAt(
        profile[metric.kind],
        (p) => p.gpuLayers === gpuLayers && p.threads === threads,
        () => ({ gpuLayers, threads, value: observed, samples: 0 }),
        observed,
        alpha,
      );
      return next;
    }
    case 'loadMs': {
      const key = metric.cache === 'cold' ? 'loadColdMs' : 'loadWarmMs';
      const { gpuLayers } = metric;
      next[key] = smoothAt(
        profile[key],
        (p) => p.gpuLayers === gpuLayers,
        () => ({ gpuLayers, value: observed, samples: 0 }),
        observed,
        alpha,
      );
      return next;
    }
    default:
      next[metric.kind] = smooth(profile[metric.kind], observed, alpha);
      return next;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positive(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function levelList(value: unknown, threaded: boolean): boolean {
  return (
    Array.isArray(value) &&
    value.every(
      (p) =>
        isRecord(p) &&
        Number.isInteger(p.gpuLayers) &&
        (p.gpuLayers as number) >= 0 &&
        positive(p.value) &&
        Number.isInteger(p.samples) &&
        (!threaded || (Number.isInteger(p.threads) && (p.threads as number) >= 1)),
    )
  );
}

/** A ModelProfile from parsed JSON (e.g. read from Redis); throws a TypeError naming the bad field. */
export function parseModelProfile(value: unknown): ModelProfile {
  if (!isRecord(value)) throw new TypeError('a model profile must be an object');
  const fail = (field: string): never => {
    throw new TypeError(`model profile field "${field}" is missing or invalid`);
  };
  if (typeof value.model !== 'string') fail('model');
  if (typeof value.device !== 'string') fail('device');
  for (const key of ['decodeTokensPerSecond', 'prefillTokensPerSecond'] as const) {
    if (!levelList(value[key], true)) fail(key);
  }
  for (const key of ['loadColdMs', 'loadWarmMs'] as const) {
    if (!levelList(value[key], false)) fail(key);
  }
  const scalars = [
    'kvSaveMsPerToken',
    'kvRestoreMsPerToken',
    'kvStateBytesPerToken',
    'recomputeTokensPerSecond',
  ] as const;
  for (const key of scalars) {
    const m = value[key];
    if (m !== undefined && !(isRecord(m) && positive(m.value) && Number.isInteger(m.samples))) {
      fail(key);
    }
  }
  const batch = value.decodeBatchTokensPerSecond;
  if (
    batch !== undefined &&
    !(
      levelList(batch, true) &&
      (batch as Record<string, unknown>[]).every(
        (p) =>
          Number.isInteger(p.sequences) &&
          (p.sequences as number) >= 2 &&
          positive(p.singleTokensPerSecond),
      )
    )
  ) {
    fail('decodeBatchTokensPerSecond');
  }
  if (value.updatedAt !== undefined && typeof value.updatedAt !== 'number') fail('updatedAt');
  return value as unknown as ModelProfile;
}

/** A DeviceProfile from parsed JSON; throws a TypeError naming the bad field. */
export function parseDeviceProfile(value: unknown): DeviceProfile {
  if (!isRecord(value)) throw new TypeError('a device profile must be an object');
  const fail = (field: string): never => {
    throw new TypeError(`device profile field "${field}" is missing or invalid`);
  };
  if (typeof value.device !== 'string') fail('device');
  const bandwidth = value.hostBandwidth;
  if (
    !Array.isArray(bandwidth) ||
    !bandwidth.every(
      (p) =>
        isRecord(p) &&
        Number.isInteger(p.threads) &&
        positive(p.bytesPerSecond) &&
        (p.tokenOverheadMs === undefined || Number.isFinite(p.tokenOverheadMs)),
    )
  ) {
    fail('hostBandwidth');
  }
  for (const key of ['storageReadBytesPerSecond', 'pageCacheReadBytesPerSecond'] as const) {
    if (value[key] !== undefined && !positive(value[key])) fail(key);
  }
  return value as unknown as DeviceProfile;
}
