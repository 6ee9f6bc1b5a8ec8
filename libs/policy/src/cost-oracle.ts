import { matchCatalogDevice, type CostModel } from '#switchyard/cost-model';
import { ModelCurves, type CurveMetric } from './model-curves.js';
import type {
  FleetSnapshot,
  PolicyJob,
  PolicyModel,
  PolicyRunningJob,
  PolicyWorker,
} from './snapshot.js';

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

const ALONE: DeviceShare = { prefill: 1, decode: 1 };

/** Predictions memoized per cost model, shared by the rounds of one policy instance. */
export type PredictionMemo = WeakMap<CostModel, Map<string, ModelCurves>>;

/** A device as the oracle caches it: its key and the curves of the models asked about on it. */
interface DeviceEntry {
  key: string | undefined;
  curves: Map<string, ModelCurves | null>;
}

/** The two ways to pause a job whose model stays loaded, in ms from stop to its next token. */
export interface PauseCosts {
  keepKvMs: number;
  recomputeMs: number;
}

/**
 * The cost model as one round asks it: per model, worker and GPU-layer count, with the snapshot's
 * context size and the worker's threads. Predictions are memoized (a prediction costs about 10 µs
 * and a round asks thousands); a missing cost model, spec or catalog device falls back to
 * FALLBACK_COSTS, and then only full copies are planned (no partial offload without layer sizes).
 */
export class CostOracle {
  private readonly devices = new Map<PolicyWorker, DeviceEntry>();
  private readonly devicesByKey = new Map<string, DeviceEntry>();
  private readonly memo: Map<string, ModelCurves> | undefined;

  constructor(
    private readonly snapshot: FleetSnapshot,
    memo: PredictionMemo,
  ) {
    const costModel = snapshot.costModel;
    if (costModel) {
      this.memo = memo.get(costModel) ?? new Map<string, ModelCurves>();
      memo.set(costModel, this.memo);
    }
  }

  /** The snapshot's model entry. */
  model(name: string): PolicyModel | undefined {
    return this.snapshot.models[name];
  }

  /** The worker's device in the cost model's catalog, if the cost model knows it. */
  catalogId(worker: PolicyWorker): string | undefined {
    const costModel = this.snapshot.costModel;
    if (!costModel) return undefined;
    const id =
      worker.catalogDevice ??
      (worker.device.kind === 'cpu'
        ? 'cpu'
        : matchCatalogDevice(worker.device.name, costModel.catalog)?.id);
    return id !== undefined && Object.hasOwn(costModel.catalog, id) ? id : undefined;
  }

  /** Workers with the same key predict alike for every model (same device, same threads). */
  speedKey(worker: PolicyWorker): string {
    return this.deviceKey(worker) ?? `${worker.device.kind}/fallback`;
  }

  /** Whether layer counts below the top can be sized (a GPU, a spec and a known device). */
  canOffloadPartially(name: string, worker: PolicyWorker): boolean {
    return worker.device.kind !== 'cpu' && this.curves(name, worker) !== undefined;
  }

  /** The highest GPU-layer count: 0 on a CPU, every block plus the output with a spec. */
  topLevel(name: string, worker: PolicyWorker): number {
    const model = this.model(name);
    if (worker.device.kind === 'cpu' || !model) return 0;
    return model.spec && this.deviceKey(worker) !== undefined
      ? model.spec.layers + 1
      : model.layers;
  }

  /**
   * The lowest GPU-layer count a load may use: 0 on a CPU; one layer on a GPU, so every copy takes
   * some of the budget it is checked against (its host part is not budgeted); the top when
   * partial copies cannot be sized.
   */
  minLevel(name: string, worker: PolicyWorker): number {
    const top = this.topLevel(name, worker);
    return this.canOffloadPartially(name, worker) ? Math.min(1, top) : top;
  }

  /**
   * The fewest GPU layers a copy is shrunk to for another model's sake: the lowest level that
   * decodes within MAX_SHRINK_SLOWDOWN of full residency (minLevel when nothing is lower).
   */
  minShrinkLevel(name: string, worker: PolicyWorker): number {
    const low = this.minLevel(name, worker);
    const curves = this.curves(name, worker);
    if (!curves || worker.device.kind === 'cpu') return low;
    if (curves.minShrinkLevel === undefined) {
      const top = this.topLevel(name, worker);
      const limit = this.msPerToken(name, worker, top) * MAX_SHRINK_SLOWDOWN;
      let level = low;
      while (level < top && this.msPerToken(name, worker, level) > limit) level++;
      curves.minShrinkLevel = level;
    }
    return curves.minShrinkLevel;
  }

  /**
   * Bytes of the worker's budget a copy takes at `gpuLayers`: the cost model's prediction scaled
   * so that the level the worker reported (all blocks) matches the model's memoryBytes.
   */
  memoryAt(name: string, worker: PolicyWorker, gpuLayers: number): number {
    const model = this.model(name);
    if (!model) return 0;
    if (!this.canOffloadPartially(name, worker)) return model.memoryBytes;
    const reference = Math.min(model.layers, this.topLevel(name, worker));
    const predicted = this.predicted('gpu', name, worker, gpuLayers);
    const atReference = this.predicted('gpu', name, worker, reference);
    if (!(model.memoryBytes > 0 && atReference > 0)) return Math.ceil(predicted);
    return Math.round(model.memoryBytes * (predicted / atReference));
  }

  /** Host bytes a copy takes at `gpuLayers` on a GPU worker (0 when it cannot be predicted). */
  hostBytesAt(name: string, worker: PolicyWorker, gpuLayers: number): number {
    if (!this.canOffloadPartially(name, worker)) return 0;
    return this.predicted('host', name, worker, gpuLayers) || 0;
  }

  /**
   * The most GPU layers at which a copy fits `bytes` of the budget and `hostBytes` of the host's
   * memory, if any (host bytes fall as layers move to the GPU, so the most layers is also the
   * level most likely to fit the host).
   */
  maxLevelWithin(
    name: string,
    worker: PolicyWorker,
    bytes: number,
    hostBytes = Infinity,
  ): number | undefined {
    const low = this.minLevel(name, worker);
    if (this.memoryAt(name, worker, low) > bytes) return undefined;
    let [fits, tooBig] = [low, this.topLevel(name, worker) + 1];
    while (tooBig - fits > 1) {
      const mid = (fits + tooBig) >> 1;
      if (this.memoryAt(name, worker, mid) <= bytes) fits = mid;
      else tooBig = mid;
    }
    return this.hostBytesAt(name, worker, fits) > hostBytes ? undefined : fits;
  }

  /** Decode tokens per second. */
  decodeTokensPerSecond(name: string, worker: PolicyWorker, gpuLayers: number): number {
    return (
      this.predicted('decode', name, worker, gpuLayers) || FALLBACK_COSTS.decodeTokensPerSecond
    );
  }

  /** Milliseconds per decoded token. */
  msPerToken(name: string, worker: PolicyWorker, gpuLayers: number): number {
    return 1_000 / this.decodeTokensPerSecond(name, worker, gpuLayers);
  }

  /** Milliseconds to evaluate `tokens` of prompt. */
  prefillMs(name: string, worker: PolicyWorker, gpuLayers: number, tokens: number): number {
    if (tokens <= 0) return 0;
    const rate =
      this.predicted('prefill', name, worker, gpuLayers) || FALLBACK_COSTS.prefillTokensPerSecond;
    return (tokens / rate) * 1_000;
  }

  /** Milliseconds to load (or reload at another level) a copy, from the page cache. */
  loadMs(name: string, worker: PolicyWorker, gpuLayers: number): number {
    const predicted = this.predicted('load', name, worker, gpuLayers);
    if (predicted) return predicted;
    const fileBytes = this.model(name)?.fileBytes ?? 0;
    return FALLBACK_COSTS.loadSetupMs + (fileBytes / FALLBACK_COSTS.loadBytesPerSecond) * 1_000;
  }

  /**
   * A waiting job's time to its first token and to its end once it starts (ms). A resumed job
   * evaluates its checkpoint again along with the prompt, unless `restoreKv`: then it restores
   * the KV state saved where it was preempted instead (see restoreMs).
   */
  jobMs(
    job: PolicyJob,
    worker: PolicyWorker,
    gpuLayers: number,
    restoreKv = false,
    share: DeviceShare = ALONE,
  ): { firstTokenMs: number; runMs: number } {
    const prompt = (job.promptTokens ?? 0) + (job.checkpointTokens ?? 0);
    const prefill = restoreKv
      ? this.restoreMs(job, worker, gpuLayers)
      : this.prefillMs(job.model, worker, gpuLayers, prompt) * share.prefill;
    const perToken = this.msPerToken(job.model, worker, gpuLayers) * share.decode;
    const decode = Math.max(1, job.maxTokens - (job.checkpointTokens ?? 0));
    return { firstTokenMs: prefill + perToken, runMs: prefill + decode * perToken };
  }

  /**
   * Milliseconds to restore a preempted job's saved KV state (its prompt and checkpoint): half of
   * the cost model's save-and-restore, the save having been paid when it was preempted.
   */
  restoreMs(job: PolicyJob, worker: PolicyWorker, gpuLayers: number): number {
    const promptTokens = Math.max(0, Math.round(job.promptTokens ?? 0));
    const generatedTokens = Math.max(0, Math.round(job.checkpointTokens ?? 0));
    const run = { jobId: job.id, model: job.model, priority: job.priority };
    return (
      this.pauseCosts({ ...run, promptTokens, generatedTokens }, worker, gpuLayers).keepKvMs / 2
    );
  }

  /** Decode tokens a waiting job still needs. */
  static decodeTokens(job: PolicyJob): number {
    return Math.max(1, job.maxTokens - (job.checkpointTokens ?? 0));
  }

  /** Decode tokens a running job still needs. */
  static remainingTokens(run: PolicyRunningJob): number {
    return Math.max(
      1,
      (run.maxTokens ?? FALLBACK_COSTS.unknownMaxTokens) - (run.generatedTokens ?? 0),
    );
  }

  /** A running job's predicted time to its end (ms): its tokens left, else its elapsed time. */
  remainingMs(run: PolicyRunningJob, worker: PolicyWorker, gpuLayers: number): number {
    const perToken = this.msPerToken(run.model, worker, gpuLayers);
    if (run.generatedTokens !== undefined) {
      const measured = run.decodeTokensPerSecond;
      const rate = measured !== undefined && measured > 0 ? 1_000 / measured : perToken;
      return CostOracle.remainingTokens(run) * rate;
    }
    const maxTokens = run.maxTokens ?? FALLBACK_COSTS.unknownMaxTokens;
    const total =
      this.prefillMs(run.model, worker, gpuLayers, run.promptTokens ?? 0) + maxTokens * perToken;
    if (run.startedAt === undefined) return total;
    return Math.max(perToken, total - (this.snapshot.now - run.startedAt));
  }

  /** What pausing a running job costs, keeping its KV state or recomputing it on resume. */
  pauseCosts(run: PolicyRunningJob, worker: PolicyWorker, gpuLayers: number): PauseCosts {
    const promptTokens = Math.max(0, Math.round(run.promptTokens ?? 0));
    const generatedTokens = Math.max(0, Math.round(run.generatedTokens ?? 0));
    const curves = this.curves(run.model, worker);
    if (curves && this.snapshot.costModel) {
      try {
        const query = { ...curves.query, gpuLayers: worker.device.kind === 'cpu' ? 0 : gpuLayers };
        const costs = this.snapshot.costModel.predictPreemptionCosts(query, {
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
      recomputeMs: this.prefillMs(run.model, worker, gpuLayers, promptTokens + generatedTokens),
    };
  }

  private threads(worker: PolicyWorker): number | undefined {
    const threads = worker.device.threads;
    return Number.isInteger(threads) && threads > 0 ? threads : undefined;
  }

  /** Catalog device and threads of a worker, once per round; undefined without a cost model. */
  private deviceKey(worker: PolicyWorker): string | undefined {
    return this.device(worker).key;
  }

  /** The worker's device entry: found by the worker object, shared by workers of the same key. */
  private device(worker: PolicyWorker): DeviceEntry {
    let entry = this.devices.get(worker);
    if (!entry) {
      const id = this.catalogId(worker);
      const key = id === undefined ? undefined : `${id}/${this.threads(worker) ?? ''}`;
      entry = (key === undefined ? undefined : this.devicesByKey.get(key)) ?? {
        key,
        curves: new Map<string, ModelCurves | null>(),
      };
      if (key !== undefined) this.devicesByKey.set(key, entry);
      this.devices.set(worker, entry);
    }
    return entry;
  }

  /** The model's curves on the worker's device, or undefined when the cost model cannot answer. */
  private curves(name: string, worker: PolicyWorker): ModelCurves | undefined {
    const device = this.device(worker);
    if (device.key === undefined) return undefined;
    let curves = device.curves.get(name);
    if (curves === undefined) {
      curves = this.makeCurves(name, worker, device.key) ?? null;
      device.curves.set(name, curves);
    }
    return curves ?? undefined;
  }

  private makeCurves(name: string, worker: PolicyWorker, key: string): ModelCurves | undefined {
    const spec = this.model(name)?.spec;
    const costModel = this.snapshot.costModel;
    const device = this.catalogId(worker);
    if (!spec || !costModel || !this.memo || device === undefined) return undefined;
    const { contextSize } = this.snapshot;
    const memoKey = [name, spec.fileBytes, spec.layers, key, contextSize].join('\u0000');
    let curves = this.memo.get(memoKey);
    if (!curves) {
      const threads = this.threads(worker);
      const query = {
        model: spec,
        device,
        contextSize,
        ...(threads === undefined ? {} : { threads }),
      };
      curves = new ModelCurves(costModel, query, worker.device.kind === 'cpu');
      this.memo.set(memoKey, curves);
    }
    return curves;
  }

  /** A figure of the model on the worker's device; 0 when the cost model cannot answer. */
  private predicted(
    metric: CurveMetric,
    name: string,
    worker: PolicyWorker,
    gpuLayers: number,
  ): number {
    return this.curves(name, worker)?.at(metric, gpuLayers) ?? 0;
  }
}
