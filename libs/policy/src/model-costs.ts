import type { CostModel } from '#switchyard/cost-model';
import type { CurveMetric, ModelCurves } from './model-curves.js';
import type { PolicyJob, PolicyModel, PolicyRunningJob } from './snapshot.js';

/** What the policy assumes where the snapshot has no cost model or no spec: every device alike. */
export const FALLBACK_COSTS = {
  decodeTokensPerSecond: 20,
  prefillTokensPerSecond: 400,
  loadBytesPerSecond: 1e9,
  loadSetupMs: 100,
  kvSaveRestoreMs: 10,
  /** max_tokens of a running job whose progress the snapshot does not carry. */
  unknownMaxTokens: 256,
} as const;

/**
 * A copy is shrunk (re-offloaded for other models) to at most this many times slower than at
 * full residency. In the simulator a 70 B model shrunk to 1 of its 81 layers (5.8× slower) to
 * give a 0.5 B one its last layers then took interactive jobs that met their first token and
 * ran for minutes: the window's demand, which decides the split, is a poor guess of a large
 * model's next jobs.
 */
export const MAX_SHRINK_SLOWDOWN = 2;

/**
 * How many streams share the device with a job (each prefill, and each copy decoding a batch,
 * is one; the device time is split among them): its prefill and its tokens take this many
 * times longer than alone.
 */
export interface DeviceShare {
  prefill: number;
  decode: number;
}

/** A job alone on its device. */
export const ALONE: DeviceShare = { prefill: 1, decode: 1 };

/** The two ways to pause a job whose model stays loaded, in ms from stop to its next token. */
export interface PauseCosts {
  keepKvMs: number;
  recomputeMs: number;
}

/** A job's time to its first token and to its end once it starts (ms). */
export interface JobMs {
  firstTokenMs: number;
  runMs: number;
}

/** Rows of ModelCosts' values, one per figure kept per level. */
const enum Row {
  memory,
  perToken,
  decode,
  prefill,
  load,
  coldLoad,
  gpu,
  host,
}
const ROWS = 8;

/**
 * One model's costs on one kind of device, for one round: what CostOracle answers per model,
 * worker and GPU-layer count, found once per (device, model) so that a round's thousands of
 * questions are array reads. Budget bytes and ms per token are kept per level as first asked.
 */
export class ModelCosts {
  /** The highest GPU-layer count: 0 on a CPU, every block plus the output with a spec. */
  readonly top: number;
  /** Whether layer counts below the top can be sized (a GPU, a spec and a known device). */
  readonly partial: boolean;
  /** The lowest GPU-layer count a load may use (see CostOracle.minLevel). */
  readonly min: number;
  /** Levels from 0 to the top: the length of each row of `values`. */
  private readonly levels: number;
  /**
   * Per level, as first asked (NaN: not yet): budget bytes, ms per token and the cost model's
   * figures, one row each (see Row); allocated on first use.
   */
  private values: Float64Array | undefined;

  constructor(
    readonly model: PolicyModel | undefined,
    private readonly curves: ModelCurves | undefined,
    private readonly cpu: boolean,
    knownDevice: boolean,
    private readonly costModel: CostModel | undefined,
  ) {
    this.top = cpu || !model ? 0 : model.spec && knownDevice ? model.spec.layers + 1 : model.layers;
    this.partial = !cpu && curves !== undefined;
    this.min = this.partial ? Math.min(1, this.top) : this.top;
    this.levels = Math.max(0, this.top) + 1;
  }

  /**
   * Whether these costs hold for the model entry `other` (a later round's): every figure they
   * read of it is the same.
   */
  fits(other: PolicyModel | undefined): boolean {
    const model = this.model;
    if (model === other) return true;
    if (!model || !other) return false;
    return (
      model.name === other.name &&
      model.layers === other.layers &&
      model.fileBytes === other.fileBytes &&
      model.memoryBytes === other.memoryBytes &&
      model.spec?.layers === other.spec?.layers &&
      (model.spec === undefined) === (other.spec === undefined)
    );
  }

  /** See CostOracle.minShrinkLevel. */
  minShrinkLevel(): number {
    const curves = this.curves;
    if (!curves || this.cpu) return this.min;
    if (curves.minShrinkLevel === undefined) {
      const limit = this.msPerToken(this.top) * MAX_SHRINK_SLOWDOWN;
      let level = this.min;
      while (level < this.top && this.msPerToken(level) > limit) level++;
      curves.minShrinkLevel = level;
    }
    return curves.minShrinkLevel;
  }

  /** See CostOracle.memoryAt. */
  memoryAt(gpuLayers: number): number {
    const at = this.slot(Row.memory, gpuLayers);
    if (at < 0) return this.computeMemory(gpuLayers);
    const values = this.values!;
    if (Number.isNaN(values[at])) values[at] = this.computeMemory(gpuLayers);
    return values[at];
  }

  private computeMemory(gpuLayers: number): number {
    const model = this.model;
    if (!model) return 0;
    if (!this.partial) return model.memoryBytes;
    const reference = Math.min(model.layers, this.top);
    const predicted = this.predicted('gpu', Row.gpu, gpuLayers);
    const atReference = this.predicted('gpu', Row.gpu, reference);
    if (!(model.memoryBytes > 0 && atReference > 0)) return Math.ceil(predicted);
    return Math.round(model.memoryBytes * (predicted / atReference));
  }

  /** See CostOracle.hostBytesAt. */
  hostBytesAt(gpuLayers: number): number {
    if (!this.partial) return 0;
    return this.predicted('host', Row.host, gpuLayers) || 0;
  }

  /** See CostOracle.maxLevelWithin. */
  maxLevelWithin(bytes: number, hostBytes = Infinity): number | undefined {
    const low = this.min;
    if (this.memoryAt(low) > bytes) return undefined;
    let fits = low;
    let tooBig = this.top + 1;
    while (tooBig - fits > 1) {
      const mid = (fits + tooBig) >> 1;
      if (this.memoryAt(mid) <= bytes) fits = mid;
      else tooBig = mid;
    }
    return this.hostBytesAt(fits) > hostBytes ? undefined : fits;
  }

  /** Decode tokens per second. */
  decodeTokensPerSecond(gpuLayers: number): number {
    return this.predicted('decode', Row.decode, gpuLayers) || FALLBACK_COSTS.decodeTokensPerSecond;
  }

  /** Milliseconds per decoded token. */
  msPerToken(gpuLayers: number): number {
    const at = this.slot(Row.perToken, gpuLayers);
    if (at < 0) return 1_000 / this.decodeTokensPerSecond(gpuLayers);
    const values = this.values!;
    if (Number.isNaN(values[at])) values[at] = 1_000 / this.decodeTokensPerSecond(gpuLayers);
    return values[at];
  }

  /** Milliseconds to evaluate `tokens` of prompt. */
  prefillMs(gpuLayers: number, tokens: number): number {
    if (tokens <= 0) return 0;
    const rate =
      this.predicted('prefill', Row.prefill, gpuLayers) || FALLBACK_COSTS.prefillTokensPerSecond;
    return (tokens / rate) * 1_000;
  }

  /**
   * Milliseconds to load (or reload at another level) a copy: from the page cache, or from
   * storage when `cold` (without a cost model the two are alike: nothing tells them apart).
   */
  loadMs(gpuLayers: number, cold = false): number {
    const predicted = cold
      ? this.predicted('coldLoad', Row.coldLoad, gpuLayers)
      : this.predicted('load', Row.load, gpuLayers);
    if (predicted) return predicted;
    const fileBytes = this.model?.fileBytes ?? 0;
    return FALLBACK_COSTS.loadSetupMs + (fileBytes / FALLBACK_COSTS.loadBytesPerSecond) * 1_000;
  }

  /** See CostOracle.jobMs. */
  jobMs(job: PolicyJob, gpuLayers: number, restoreKv: boolean, share: DeviceShare): JobMs {
    const checkpoint = job.checkpointTokens ?? 0;
    const prompt = (job.promptTokens ?? 0) + checkpoint;
    const prefill = restoreKv
      ? this.restoreMs(job, gpuLayers)
      : this.prefillMs(gpuLayers, prompt) * share.prefill;
    const perToken = this.msPerToken(gpuLayers) * share.decode;
    const decode = Math.max(1, job.maxTokens - checkpoint);
    return { firstTokenMs: prefill + perToken, runMs: prefill + decode * perToken };
  }

  /** See CostOracle.restoreMs. */
  restoreMs(job: PolicyJob, gpuLayers: number): number {
    const promptTokens = Math.max(0, Math.round(job.promptTokens ?? 0));
    const generatedTokens = Math.max(0, Math.round(job.checkpointTokens ?? 0));
    const run = { jobId: job.id, model: job.model, priority: job.priority };
    return this.pauseCosts({ ...run, promptTokens, generatedTokens }, gpuLayers).keepKvMs / 2;
  }

  /** See CostOracle.pauseCosts. */
  pauseCosts(run: PolicyRunningJob, gpuLayers: number): PauseCosts {
    const promptTokens = Math.max(0, Math.round(run.promptTokens ?? 0));
    const generatedTokens = Math.max(0, Math.round(run.generatedTokens ?? 0));
    const curves = this.curves;
    if (curves && this.costModel) {
      try {
        const query = { ...curves.query, gpuLayers: this.cpu ? 0 : gpuLayers };
        const costs = this.costModel.predictPreemptionCosts(query, {
          promptTokens,
          generatedTokens,
        });
        return {
          keepKvMs: costs['save-restore-kv'].seconds * 1_000,
          recomputeMs: costs['recompute-kv'].seconds * 1_000,
        };
      } catch {
        // An inconsistent spec or device: the fallback below.
      }
    }
    return {
      keepKvMs: FALLBACK_COSTS.kvSaveRestoreMs,
      recomputeMs: this.prefillMs(gpuLayers, promptTokens + generatedTokens),
    };
  }

  /** A figure of the model on the device; 0 when the cost model cannot answer. */
  private predicted(metric: CurveMetric, row: Row, level: number): number {
    const at = this.slot(row, level);
    if (at < 0) return this.curves?.at(metric, level) ?? 0;
    const values = this.values!;
    if (Number.isNaN(values[at])) values[at] = this.curves?.at(metric, level) ?? 0;
    return values[at];
  }

  /** Where a row's value for `level` is kept; -1 for a level outside 0 to the top. */
  private slot(row: Row, level: number): number {
    if (!(level >= 0 && level < this.levels) || Math.floor(level) !== level) return -1;
    this.values ??= new Float64Array(ROWS * this.levels).fill(NaN);
    return row * this.levels + level;
  }
}
