import { matchCatalogDevice, type CostModel } from '#switchyard/cost-model';
import {
  ALONE,
  FALLBACK_COSTS,
  ModelCosts,
  type DeviceShare,
  type JobMs,
  type PauseCosts,
} from './model-costs.js';
import { ModelCurves } from './model-curves.js';
import type {
  FleetSnapshot,
  PolicyJob,
  PolicyModel,
  PolicyRunningJob,
  PolicyWorker,
} from './snapshot.js';

/**
 * Predictions memoized per cost model, shared by the rounds of one policy instance: the curves
 * of each model per device key and context size, by model name.
 */
export type PredictionMemo = WeakMap<CostModel, Map<string, Map<string, ModelCurves>>>;

/**
 * A device as the oracle caches it: its key, the curves of the models asked about on it, and
 * each model's costs this round for GPU and CPU workers (a worker's kind decides its top level).
 */
interface DeviceEntry {
  /** The catalog device, and the key: catalog device and threads. */
  id: string | undefined;
  key: string | undefined;
  /** The memo's curves for this key and the snapshot's context size (found on first use). */
  memo: Map<string, ModelCurves> | undefined;
  speedKey: string | undefined;
  curves: Map<string, ModelCurves | null>;
  costs: Map<string, ModelCosts>;
  cpuCosts: Map<string, ModelCosts>;
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
  private readonly memo: Map<string, Map<string, ModelCurves>> | undefined;

  constructor(
    private readonly snapshot: FleetSnapshot,
    memo: PredictionMemo,
  ) {
    const costModel = snapshot.costModel;
    if (costModel) {
      this.memo = memo.get(costModel) ?? new Map<string, Map<string, ModelCurves>>();
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
    const device = this.device(worker);
    device.speedKey ??= device.key ?? `${worker.device.kind}/fallback`;
    return device.speedKey;
  }

  /** The costs of model `name` on the worker's device this round (found once per device and model). */
  costs(name: string, worker: PolicyWorker): ModelCosts {
    const device = this.device(worker);
    const cpu = worker.device.kind === 'cpu';
    const byModel = cpu ? device.cpuCosts : device.costs;
    let costs = byModel.get(name);
    if (!costs) {
      const model = this.model(name);
      const curves = this.curves(name, worker, device);
      const known = device.key !== undefined;
      // Kept with the curves from round to round while the model's entry is the same: the
      // figures per level are then asked of the cost model once, not once per round.
      const kept = curves?.costs[cpu ? 1 : 0];
      costs =
        kept?.fits(model) === true
          ? kept
          : new ModelCosts(model, curves, cpu, known, this.snapshot.costModel);
      if (curves) curves.costs[cpu ? 1 : 0] = costs;
      byModel.set(name, costs);
    }
    return costs;
  }

  /** Whether layer counts below the top can be sized (a GPU, a spec and a known device). */
  canOffloadPartially(name: string, worker: PolicyWorker): boolean {
    return this.costs(name, worker).partial;
  }

  /** The highest GPU-layer count: 0 on a CPU, every block plus the output with a spec. */
  topLevel(name: string, worker: PolicyWorker): number {
    return this.costs(name, worker).top;
  }

  /**
   * The lowest GPU-layer count a load may use: 0 on a CPU; one layer on a GPU, so every copy takes
   * some of the budget it is checked against (its host part is not budgeted); the top when
   * partial copies cannot be sized.
   */
  minLevel(name: string, worker: PolicyWorker): number {
    return this.costs(name, worker).min;
  }

  /**
   * The fewest GPU layers a copy is shrunk to for another model's sake: the lowest level that
   * decodes within MAX_SHRINK_SLOWDOWN of full residency (minLevel when nothing is lower).
   */
  minShrinkLevel(name: string, worker: PolicyWorker): number {
    return this.costs(name, worker).minShrinkLevel();
  }

  /**
   * Bytes of the worker's budget a copy takes at `gpuLayers`: the cost model's prediction scaled
   * so that the level the worker reported (all blocks) matches the model's memoryBytes.
   */
  memoryAt(name: string, worker: PolicyWorker, gpuLayers: number): number {
    return this.costs(name, worker).memoryAt(gpuLayers);
  }

  /** Host bytes a copy takes at `gpuLayers` on a GPU worker (0 when it cannot be predicted). */
  hostBytesAt(name: string, worker: PolicyWorker, gpuLayers: number): number {
    return this.costs(name, worker).hostBytesAt(gpuLayers);
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
    return this.costs(name, worker).maxLevelWithin(bytes, hostBytes);
  }

  /** Decode tokens per second. */
  decodeTokensPerSecond(name: string, worker: PolicyWorker, gpuLayers: number): number {
    return this.costs(name, worker).decodeTokensPerSecond(gpuLayers);
  }

  /** Milliseconds per decoded token. */
  msPerToken(name: string, worker: PolicyWorker, gpuLayers: number): number {
    return this.costs(name, worker).msPerToken(gpuLayers);
  }

  /** Milliseconds to evaluate `tokens` of prompt. */
  prefillMs(name: string, worker: PolicyWorker, gpuLayers: number, tokens: number): number {
    return this.costs(name, worker).prefillMs(gpuLayers, tokens);
  }

  /** Milliseconds to load (or reload at another level) a copy, from the page cache. */
  loadMs(name: string, worker: PolicyWorker, gpuLayers: number): number {
    return this.costs(name, worker).loadMs(gpuLayers);
  }

  /**
   * Milliseconds a load of the model on the worker takes beyond loadMs because the worker has
   * not read its file (see PolicyWorker.warmModels): storage instead of the page cache. 0 where
   * it has, or where the worker does not say.
   */
  coldExtraMs(name: string, worker: PolicyWorker, gpuLayers: number): number {
    const warm = worker.warmModels;
    if (warm === undefined || warm.includes(name)) return 0;
    const costs = this.costs(name, worker);
    return Math.max(0, costs.loadMs(gpuLayers, true) - costs.loadMs(gpuLayers));
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
  ): JobMs {
    return this.costs(job.model, worker).jobMs(job, gpuLayers, restoreKv, share);
  }

  /**
   * Milliseconds to restore a preempted job's saved KV state (its prompt and checkpoint): half of
   * the cost model's save-and-restore, the save having been paid when it was preempted.
   */
  restoreMs(job: PolicyJob, worker: PolicyWorker, gpuLayers: number): number {
    return this.costs(job.model, worker).restoreMs(job, gpuLayers);
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
    return this.remainingMsOn(this.costs(run.model, worker), run, gpuLayers);
  }

  /** The same with the costs of the run's model on its worker already found. */
  remainingMsOn(costs: ModelCosts, run: PolicyRunningJob, gpuLayers: number): number {
    const perToken = costs.msPerToken(gpuLayers);
    if (run.generatedTokens !== undefined) {
      const measured = run.decodeTokensPerSecond;
      const rate = measured !== undefined && measured > 0 ? 1_000 / measured : perToken;
      return CostOracle.remainingTokens(run) * rate;
    }
    const maxTokens = run.maxTokens ?? FALLBACK_COSTS.unknownMaxTokens;
    const total = costs.prefillMs(gpuLayers, run.promptTokens ?? 0) + maxTokens * perToken;
    if (run.startedAt === undefined) return total;
    return Math.max(perToken, total - (this.snapshot.now - run.startedAt));
  }

  /** What pausing a running job costs, keeping its KV state or recomputing it on resume. */
  pauseCosts(run: PolicyRunningJob, worker: PolicyWorker, gpuLayers: number): PauseCosts {
    return this.costs(run.model, worker).pauseCosts(run, gpuLayers);
  }

  private threads(worker: PolicyWorker): number | undefined {
    const threads = worker.device.threads;
    return Number.isInteger(threads) && threads > 0 ? threads : undefined;
  }

  /** The worker's device entry: found by the worker object, shared by workers of the same key. */
  private device(worker: PolicyWorker): DeviceEntry {
    let entry = this.devices.get(worker);
    if (!entry) {
      const id = this.catalogId(worker);
      const key = id === undefined ? undefined : `${id}/${this.threads(worker) ?? ''}`;
      entry = (key === undefined ? undefined : this.devicesByKey.get(key)) ?? {
        id,
        key,
        memo: undefined,
        speedKey: undefined,
        curves: new Map<string, ModelCurves | null>(),
        costs: new Map<string, ModelCosts>(),
        cpuCosts: new Map<string, ModelCosts>(),
      };
      if (key !== undefined) this.devicesByKey.set(key, entry);
      this.devices.set(worker, entry);
    }
    return entry;
  }

  /** The model's curves on the worker's device, or undefined when the cost model cannot answer. */
  private curves(name: string, worker: PolicyWorker, device: DeviceEntry): ModelCurves | undefined {
    if (device.key === undefined) return undefined;
    let curves = device.curves.get(name);
    if (curves === undefined) {
      curves = this.makeCurves(name, worker, device) ?? null;
      device.curves.set(name, curves);
    }
    return curves ?? undefined;
  }

  private makeCurves(
    name: string,
    worker: PolicyWorker,
    entry: DeviceEntry,
  ): ModelCurves | undefined {
    const spec = this.model(name)?.spec;
    const costModel = this.snapshot.costModel;
    const device = entry.id;
    if (!spec || !costModel || !this.memo || device === undefined) return undefined;
    const { contextSize } = this.snapshot;
    let byName = entry.memo;
    if (!byName) {
      const deviceKey = `${entry.key}\u0000${contextSize}`;
      byName = this.memo.get(deviceKey);
      if (!byName) {
        byName = new Map<string, ModelCurves>();
        this.memo.set(deviceKey, byName);
      }
      entry.memo = byName;
    }
    let curves = byName.get(name);
    // Curves of another file under the same name are replaced.
    if (
      curves &&
      !(
        curves.query.model.fileBytes === spec.fileBytes && curves.query.model.layers === spec.layers
      )
    ) {
      curves = undefined;
    }
    if (!curves) {
      const threads = this.threads(worker);
      const query = {
        model: spec,
        device,
        contextSize,
        ...(threads === undefined ? {} : { threads }),
      };
      curves = new ModelCurves(costModel, query, worker.device.kind === 'cpu');
      byName.set(name, curves);
    }
    return curves;
  }
}
