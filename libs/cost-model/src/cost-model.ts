import { batchExtraShare } from './batch-decode.js';
import { decodeBatchExtraMs, decodeBreakdown } from './decode-prediction.js';
import { DEVICE_CATALOG, type DeviceCatalog } from './device-catalog.js';
import type { DeviceSpec } from './device-spec.js';
import { DEFAULT_ENGINE_FACTORS, type EngineFactors } from './engine-factors.js';
import { assertThreads, DEFAULT_HOST_SPEC, type HostSpec } from './host-spec.js';
import { loadBreakdown, type CacheState } from './load-prediction.js';
import { predictFromSeries, type Prediction, type SeriesLookup } from './measured-series.js';
import {
  fits,
  maxGpuLayersThatFit,
  predictMemory,
  type MemoryBudget,
  type MemoryPrediction,
} from './memory-prediction.js';
import type { ModelSpec } from './model-spec.js';
import { offloadCurve, type OffloadCurve } from './offload-sensitivity.js';
import type { CostEnvironment, Placement } from './placement.js';
import {
  cheapestPreemption,
  combinePreemptionCosts,
  formulaPreemptionComponents,
  type PreemptedJob,
  type PreemptionCost,
  type PreemptionCosts,
} from './preemption-cost.js';
import { prefillBreakdown } from './prefill-prediction.js';
import {
  assertSmoothing,
  emptyModelProfile,
  observeInProfile,
  type DeviceProfile,
  type LevelMeasurement,
  type ModelProfile,
  type ObservedMetric,
  type Profiles,
} from './profile.js';
import { assertGpuLayers, maxGpuLayers, residencyOf } from './residency.js';
import { UnknownDeviceError } from './unknown-device-error.js';
import { MS_PER_SECOND } from './units.js';

/** A model on a catalog device at an offload level: what the scheduler asks about. */
export interface CostQuery {
  model: ModelSpec;
  /** Catalog id of the device. */
  device: string;
  /** 0 to layers + 1. */
  gpuLayers: number;
  /** Tokens of KV cache the context allocates. */
  contextSize: number;
  /** Host threads for CPU-resident layers; the host's default when absent. */
  threads?: number;
}

/** Everything a CostModel is made of; plain data, so it round-trips through JSON. */
export interface CostModelState {
  catalog: DeviceCatalog;
  host: HostSpec;
  factors: EngineFactors;
  profiles: Profiles;
  /** Weight of a new observation in exponential smoothing, in (0, 1]. */
  smoothing: number;
}

/** Options of `new CostModel()`; each defaults to the built-in figures. */
export type CostModelOptions = Partial<CostModelState>;

/** Weight of each new live observation: about the last ten observations matter. */
export const DEFAULT_SMOOTHING = 0.2;

function profileKey(model: string, device: string): string {
  return `${model}\u0000${device}`;
}

/**
 * The cost model the scheduler and the simulator ask: the formulas, with measured profiles taking
 * precedence wherever they hold a figure (interpolated between measured levels, or calibrating
 * the formula from the nearest one). Immutable: withProfile returns a new instance.
 */
export class CostModel {
  readonly catalog: DeviceCatalog;
  readonly host: HostSpec;
  readonly factors: EngineFactors;
  readonly smoothing: number;
  private readonly modelProfiles: ReadonlyMap<string, ModelProfile>;
  private readonly deviceProfiles: ReadonlyMap<string, DeviceProfile>;

  constructor(options: CostModelOptions = {}) {
    this.catalog = options.catalog ?? DEVICE_CATALOG;
    this.host = options.host ?? DEFAULT_HOST_SPEC;
    this.factors = options.factors ?? DEFAULT_ENGINE_FACTORS;
    this.smoothing = options.smoothing ?? DEFAULT_SMOOTHING;
    assertSmoothing(this.smoothing);
    const profiles = options.profiles ?? { models: [], devices: [] };
    this.modelProfiles = new Map(profiles.models.map((p) => [profileKey(p.model, p.device), p]));
    this.deviceProfiles = new Map(profiles.devices.map((p) => [p.device, p]));
  }

  /** A cost model from its JSON form (see toJSON). */
  static fromJSON(state: CostModelState): CostModel {
    return new CostModel(state);
  }

  /** The plain-data form, for JSON.stringify and fromJSON. */
  toJSON(): CostModelState {
    return {
      catalog: this.catalog,
      host: this.host,
      factors: this.factors,
      profiles: {
        models: [...this.modelProfiles.values()],
        devices: [...this.deviceProfiles.values()],
      },
      smoothing: this.smoothing,
    };
  }

  /** The catalog entry for `id`; throws UnknownDeviceError when there is none. */
  device(id: string): DeviceSpec {
    if (!Object.hasOwn(this.catalog, id)) throw new UnknownDeviceError(id);
    return this.catalog[id];
  }

  /** The measured profile of a model on a device, if any. */
  modelProfile(model: string, device: string): ModelProfile | undefined {
    return this.modelProfiles.get(profileKey(model, device));
  }

  /** The host probe's figures where a device is installed, if any. */
  deviceProfile(device: string): DeviceProfile | undefined {
    return this.deviceProfiles.get(device);
  }

  /**
   * The host figures for a device: the fleet's HostSpec with the probe's measurements in place
   * of its defaults (per-thread rate from the fewest threads probed, the cap from the highest,
   * and the fixed cost per token at each thread count where the probe fitted one).
   */
  hostFor(device: string): HostSpec {
    const probe = this.deviceProfile(device);
    if (probe === undefined) return this.host;
    const host = { ...this.host };
    const byThreads = [...probe.hostBandwidth].sort((a, b) => a.threads - b.threads);
    const fewest = byThreads[0];
    if (fewest !== undefined) {
      host.memoryBandwidthPerThreadBytesPerSecond = fewest.bytesPerSecond / fewest.threads;
      host.memoryBandwidthBytesPerSecond = Math.max(...byThreads.map((p) => p.bytesPerSecond));
    }
    const overheads = byThreads.flatMap((p) =>
      p.tokenOverheadMs === undefined ? [] : [{ threads: p.threads, ms: p.tokenOverheadMs }],
    );
    if (overheads.length > 0) host.measuredTokenOverheadMs = overheads;
    if (probe.storageReadBytesPerSecond !== undefined) {
      host.storageReadBytesPerSecond = probe.storageReadBytesPerSecond;
    }
    if (probe.pageCacheReadBytesPerSecond !== undefined) {
      host.pageCacheReadBytesPerSecond = probe.pageCacheReadBytesPerSecond;
    }
    return host;
  }

  /** The figures the formulas read for a device. */
  environment(device: string): CostEnvironment {
    return { host: this.hostFor(device), factors: this.factors };
  }

  /** The query as the formulas take it: device resolved, threads defaulted and checked. */
  placement(query: CostQuery): Placement {
    const threads = query.threads ?? this.hostFor(query.device).threads;
    assertThreads(threads);
    if (!(Number.isInteger(query.contextSize) && query.contextSize > 0)) {
      throw new RangeError(`contextSize must be a positive integer (got ${query.contextSize})`);
    }
    const device = this.device(query.device);
    assertGpuLayers(query.model, query.gpuLayers);
    return {
      model: query.model,
      device,
      gpuLayers: query.gpuLayers,
      contextSize: query.contextSize,
      threads,
    };
  }

  /** GPU and host bytes the query needs (formula only: memory is exact enough from the file). */
  predictMemory(query: CostQuery): MemoryPrediction {
    return predictMemory(this.placement(query), this.environment(query.device));
  }

  /** True when the query's memory stays within the budget. */
  fits(query: CostQuery, budget: MemoryBudget): boolean {
    return fits(this.predictMemory(query), budget);
  }

  /** The most GPU layers at which the query fits the budget, or undefined when none does. */
  maxGpuLayersThatFit(
    query: Omit<CostQuery, 'gpuLayers'>,
    budget: MemoryBudget,
  ): number | undefined {
    const { gpuLayers: _unused, ...placement } = this.placement({ ...query, gpuLayers: 0 });
    return maxGpuLayersThatFit(placement, budget, this.environment(query.device));
  }

  /**
   * Decode tokens/s with its source. A measured rate applies to short sequences, as the profiler
   * measures; for kvTokens > 0 the formula's extra attention reads are added to its time.
   */
  decode(query: CostQuery, kvTokens = 0): Prediction {
    const placement = this.placement(query);
    const env = this.environment(query.device);
    const at = (gpuLayers: number, threads: number | undefined, kv: number) =>
      decodeBreakdown({ ...placement, gpuLayers, threads: threads ?? placement.threads }, kv, env);
    const profile = this.modelProfile(query.model.name, query.device);
    const base = predictFromSeries(
      this.usable(placement, profile?.decodeTokensPerSecond),
      this.lookup(placement, 'rate', (g, t) => at(g, t, 0).tokensPerSecond, true),
    );
    if (kvTokens === 0) return base;
    const extraMs =
      at(placement.gpuLayers, placement.threads, kvTokens).msPerToken -
      at(placement.gpuLayers, placement.threads, 0).msPerToken;
    return { ...base, value: MS_PER_SECOND / (MS_PER_SECOND / base.value + extraMs) };
  }

  /** Decode tokens per second (see decode). */
  predictDecodeTokensPerSecond(query: CostQuery, kvTokens = 0): number {
    return this.decode(query, kvTokens).value;
  }

  /**
   * Ms each sequence beyond the first adds to one batched decode step of a copy (empty cache), with
   * its source. Measured: the profile's batched decode gives the share of a single step each extra
   * sequence adds (a least-squares line through its points: step(n) / step(1) − 1 against n − 1,
   * at this level and thread count, else the nearest measured one: 'calibrated'), times the
   * predicted single step. Else the formula (decodeBatchExtraMs), scaled like the single step
   * where a profile calibrates that.
   */
  decodeBatchExtra(query: CostQuery): Prediction {
    const placement = this.placement(query);
    const env = this.environment(query.device);
    const single = this.decode(query);
    const singleMs = MS_PER_SECOND / single.value;
    const profile = this.modelProfile(query.model.name, query.device);
    const top = maxGpuLayers(placement.model);
    const measured = batchExtraShare(
      (profile?.decodeBatchTokensPerSecond ?? [])
        .filter((p) => p.gpuLayers >= 0 && p.gpuLayers <= top)
        .map((p) => ({ ...p, gpuLayers: this.resolve(placement, p.gpuLayers) })),
      this.resolve(placement, placement.gpuLayers),
      placement.threads,
      (g) => residencyOf(placement.model, g, placement.device.kind).gpuWeightBytes,
    );
    if (measured !== undefined) {
      return {
        value: measured.share * singleMs,
        source: measured.exact ? 'measured' : 'calibrated',
      };
    }
    const extraMs = decodeBatchExtraMs(placement, env);
    if (single.source === 'formula') return { value: extraMs, source: 'formula' };
    const formulaMs = decodeBreakdown(placement, 0, env).msPerToken;
    return { value: (extraMs * singleMs) / formulaMs, source: 'calibrated' };
  }

  /** Ms each extra sequence adds to a batched decode step (see decodeBatchExtra). */
  predictDecodeBatchExtraMs(query: CostQuery): number {
    return this.decodeBatchExtra(query).value;
  }

  /** Prompt tokens/s with its source; measured rates stand for any prompt length. */
  prefill(query: CostQuery, promptTokens: number = this.factors.batchTokens): Prediction {
    const placement = this.placement(query);
    const env = this.environment(query.device);
    const profile = this.modelProfile(query.model.name, query.device);
    return predictFromSeries(
      this.usable(placement, profile?.prefillTokensPerSecond),
      this.lookup(
        placement,
        'rate',
        (g, t) =>
          prefillBreakdown(
            { ...placement, gpuLayers: g, threads: t ?? placement.threads },
            promptTokens,
            env,
          ).tokensPerSecond,
        true,
      ),
    );
  }

  /** Prompt tokens per second (see prefill). */
  predictPrefillTokensPerSecond(query: CostQuery, promptTokens?: number): number {
    return this.prefill(query, promptTokens).value;
  }

  /** Load milliseconds with its source. */
  load(query: CostQuery, cache: CacheState): Prediction {
    const placement = this.placement(query);
    const env = this.environment(query.device);
    const profile = this.modelProfile(query.model.name, query.device);
    const series = cache === 'cold' ? profile?.loadColdMs : profile?.loadWarmMs;
    return predictFromSeries(
      this.usable(placement, series),
      this.lookup(
        placement,
        'duration',
        (g) => loadBreakdown({ ...placement, gpuLayers: g }, cache, env).totalMs,
        false,
      ),
    );
  }

  /** Load milliseconds, cold from storage or warm from the page cache (see load). */
  predictLoadMs(query: CostQuery, cache: CacheState): number {
    return this.load(query, cache).value;
  }

  /**
   * The three preemption paths, each component measured where the profile has it: KV save and
   * restore ms per token and state bytes per token, the recompute rate (else the prefill
   * prediction at the sequence's length), and the reload time (warm unless told `cold`).
   */
  predictPreemptionCosts(
    query: CostQuery,
    job: PreemptedJob,
    reloadCache: CacheState = 'warm',
  ): PreemptionCosts {
    const placement = this.placement(query);
    const env = this.environment(query.device);
    const formula = formulaPreemptionComponents(placement, job, env, reloadCache);
    const profile = this.modelProfile(query.model.name, query.device);
    const { tokens } = formula;
    const save = profile?.kvSaveMsPerToken;
    const restore = profile?.kvRestoreMsPerToken;
    return combinePreemptionCosts({
      tokens,
      kvSaveRestoreSeconds:
        save !== undefined && restore !== undefined
          ? (tokens * (save.value + restore.value)) / MS_PER_SECOND
          : formula.kvSaveRestoreSeconds,
      kvStateBytes:
        profile?.kvStateBytesPerToken !== undefined
          ? tokens * profile.kvStateBytesPerToken.value
          : formula.kvStateBytes,
      recomputeTokensPerSecond:
        profile?.recomputeTokensPerSecond?.value ?? this.prefill(query, Math.max(1, tokens)).value,
      reloadSeconds: this.load(query, reloadCache).value / MS_PER_SECOND,
      reloadBytes: formula.reloadBytes,
    });
  }

  /** The fastest preemption path for the job (see predictPreemptionCosts). */
  cheapestPreemption(
    query: CostQuery,
    job: PreemptedJob,
    reloadCache: CacheState = 'warm',
  ): PreemptionCost {
    return cheapestPreemption(this.predictPreemptionCosts(query, job, reloadCache));
  }

  /** Decode tokens/s at every offload level, profile-aware, with the sensitivity it implies. */
  offloadCurve(query: Omit<CostQuery, 'gpuLayers'>, kvTokens = 0): OffloadCurve {
    const kind = this.device(query.device).kind;
    return offloadCurve(query.model, kind, (gpuLayers) =>
      this.predictDecodeTokensPerSecond({ ...query, gpuLayers }, kvTokens),
    );
  }

  /** A new cost model with `profile` in place of the one for the same model and device. */
  withProfile(profile: ModelProfile | DeviceProfile): CostModel {
    const state = this.toJSON();
    if ('model' in profile) {
      const key = profileKey(profile.model, profile.device);
      state.profiles.models = [
        ...state.profiles.models.filter((p) => profileKey(p.model, p.device) !== key),
        profile,
      ];
    } else {
      state.profiles.devices = [
        ...state.profiles.devices.filter((p) => p.device !== profile.device),
        profile,
      ];
    }
    return new CostModel(state);
  }

  /**
   * The model's profile on a device with one observation smoothed in (value' = value + smoothing
   * × (observed − value)); pass it to withProfile and store it. `at` is the caller's epoch ms.
   */
  observe(
    model: string,
    device: string,
    metric: ObservedMetric,
    value: number,
    at?: number,
  ): ModelProfile {
    const profile = this.modelProfile(model, device) ?? emptyModelProfile(model, device);
    return observeInProfile(profile, metric, value, this.smoothing, at);
  }

  /** Profile points at levels this model has, each resolved by the device (all 0 on a CPU). */
  private usable(
    placement: Placement,
    series: readonly LevelMeasurement[] | undefined,
  ): LevelMeasurement[] {
    const top = maxGpuLayers(placement.model);
    return (series ?? [])
      .filter((p) => Number.isInteger(p.gpuLayers) && p.gpuLayers >= 0 && p.gpuLayers <= top)
      .map((p) => ({ ...p, gpuLayers: this.resolve(placement, p.gpuLayers) }));
  }

  private resolve(placement: Placement, gpuLayers: number): number {
    return residencyOf(placement.model, gpuLayers, placement.device.kind).gpuLayers;
  }

  private lookup(
    placement: Placement,
    scale: SeriesLookup['scale'],
    formulaAt: SeriesLookup['formulaAt'],
    threaded: boolean,
  ): SeriesLookup {
    return {
      gpuLayers: this.resolve(placement, placement.gpuLayers),
      ...(threaded ? { threads: placement.threads } : {}),
      gpuBytesAt: (g) => residencyOf(placement.model, g, placement.device.kind).gpuWeightBytes,
      formulaAt,
      scale,
    };
  }
}
