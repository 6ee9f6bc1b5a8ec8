import { CopyIndex } from './copy-index.js';
import { CostOracle, type PredictionMemo } from './cost-oracle.js';
import { DemandIndex } from './demand-index.js';
import { FleetPlan } from './fleet-plan.js';
import { IdOrder } from './id-order.js';
import type { DeviceShare, PauseCosts } from './model-costs.js';
import { DEFAULT_POLICY_SETTINGS } from './policy-settings.js';
import { PreemptionLedger } from './preemption-ledger.js';
import { RoundTimelines } from './round-timelines.js';
import { StartlessModels } from './startless-models.js';
import type {
  FleetSnapshot,
  PolicyJob,
  PolicyLoadedModel,
  PolicyRunningJob,
  PolicySettings,
  PolicyWorker,
} from './snapshot.js';

/** Share of a worker's host memory the policy lets loaded models take. */
const HOST_MEMORY_SHARE = 0.9;

/**
 * Everything one decision knows and changes as it goes: the fleet plan (memory, slots, actions),
 * where each model is (CopyIndex), when things happen on each worker (RoundTimelines: the queue
 * ahead of each job, loads in flight, copies expected later), the batch floor and the running
 * jobs that may be preempted. Every change of the fleet goes through it so these stay consistent.
 */
export class RoundState {
  readonly plan: FleetPlan;
  readonly oracle: CostOracle;
  readonly demand: DemandIndex;
  readonly settings: PolicySettings;
  readonly now: number;
  readonly copies: CopyIndex;
  readonly times: RoundTimelines;
  /** What may still be preempted, and the batch floor. */
  readonly ledger: PreemptionLedger;
  /** Free job slots of the live workers (each worker's cap minus what runs there). */
  freeSlots = 0;
  /** Models found with no way to start a job now (kept true to the plan by the changes below). */
  readonly startless = new StartlessModels();

  private readonly pauseCostCache = new Map<string, PauseCosts>();
  private sortedWorkers: PolicyWorker[] | undefined;
  private liveByKind: Map<string, PolicyWorker[]> | undefined;
  /** Live workers, counted with liveKinds. */
  private liveCount = 0;
  private readonly withCapacity = new Set<PolicyWorker>();
  /** Free slots of each worker as counted in freeSlots. */
  private readonly freeOf = new Map<PolicyWorker, number>();
  private readonly kindVersions = new Map<string, number>();

  constructor(
    snapshot: FleetSnapshot,
    memo: PredictionMemo,
    private readonly idOrder = new IdOrder(),
  ) {
    this.plan = new FleetPlan(snapshot);
    this.oracle = new CostOracle(snapshot, memo);
    this.demand = new DemandIndex(snapshot, this.oracle);
    this.settings = snapshot.settings ?? DEFAULT_POLICY_SETTINGS;
    this.now = snapshot.now;
    this.copies = new CopyIndex(() => this.byId());
    this.times = new RoundTimelines(this.plan, this.oracle, this.now);
    this.ledger = new PreemptionLedger(this.settings);
    let totalSlots = 0;
    for (const worker of this.plan.workers) {
      this.countWorker(worker);
      if (!worker.draining) totalSlots += worker.maxConcurrentJobs;
    }
    let batchWaiting = 0;
    for (const job of snapshot.backlog) if (job.priority === 'batch') batchWaiting += 1;
    this.ledger.setFloor(totalSlots, batchWaiting);
  }

  /** Live workers that can serve `model`, by id. */
  candidates(model: string): readonly PolicyWorker[] {
    return this.copies.candidates(model);
  }

  /** Live workers of one speed key (see CostOracle.speedKey), by id. */
  liveOfKind(key: string): readonly PolicyWorker[] {
    return this.liveKinds().get(key) ?? [];
  }

  /** Live workers by speed key, keys in the order of their first worker by id. */
  liveKinds(): ReadonlyMap<string, readonly PolicyWorker[]> {
    if (!this.liveByKind) {
      this.liveByKind = new Map<string, PolicyWorker[]>();
      for (const worker of this.byId()) {
        if (worker.draining) continue;
        const kind = this.oracle.speedKey(worker);
        const list = this.liveByKind.get(kind);
        if (list) list.push(worker);
        else this.liveByKind.set(kind, [worker]);
        this.liveCount += 1;
      }
    }
    return this.liveByKind;
  }

  /** Whether every live worker may serve `model`. */
  servedByAll(model: string): boolean {
    this.liveKinds();
    return this.copies.candidates(model).length === this.liveCount;
  }

  /** Live workers holding a loaded copy of `model`, by id. */
  realCopies(model: string): PolicyWorker[] {
    return this.copies.realCopies(model);
  }

  /** Whether some live worker serving `model` can start a job now. */
  anyCapacityFor(model: string): boolean {
    for (const worker of this.withCapacity) if (this.copies.serves(worker, model)) return true;
    return false;
  }

  /** Whether the worker is under its concurrent-job cap. */
  hasCapacity(worker: PolicyWorker): boolean {
    return worker.running.length < worker.maxConcurrentJobs;
  }

  /**
   * When the worker's slots and the copy's slots next have room, and the worker has applied this
   * round's loads (it applies commands in order, so a run waits behind a load), in epoch ms.
   */
  slotFreeAt(worker: PolicyWorker, model: string): number {
    return this.times.slotFreeAt(worker, model);
  }

  /** When a job dispatched now to a loaded copy starts: after the copy's and the worker's loads. */
  readyStartAt(worker: PolicyWorker, model: string): number {
    return this.times.readyStartAt(worker, model);
  }

  /** When the worker has applied the loads sent to it this round. */
  commandsFreeAt(worker: PolicyWorker): number {
    return this.times.commandsFreeAt(worker);
  }

  /** Host memory left for another copy on a GPU worker (Infinity when it is not reported). */
  hostFree(worker: PolicyWorker): number {
    const total = worker.device.ramTotalBytes;
    if (worker.device.kind === 'cpu' || !(total > 0)) return Infinity;
    const state = this.times.of(worker);
    state.hostUsed ??= worker.loaded.reduce(
      (sum, m) => sum + this.oracle.hostBytesAt(m.model, worker, m.gpuLayers),
      0,
    );
    return total * HOST_MEMORY_SHARE - state.hostUsed;
  }

  /** The most GPU layers `model` gets on the worker within `bytes` of its budget. */
  levelWithin(worker: PolicyWorker, model: string, bytes: number): number | undefined {
    return this.oracle.costs(model, worker).maxLevelWithin(bytes, this.hostFree(worker));
  }

  /**
   * Whether the job would resume on the worker from its saved KV state: the state is there and
   * the copy that holds its model was neither loaded nor reloaded this round.
   */
  restoresKv(job: PolicyJob, worker: PolicyWorker): boolean {
    return (
      job.kvStateOn === worker.id &&
      this.plan.loadedModel(worker, job.model) !== undefined &&
      !this.times.of(worker).roundLoads?.has(job.model)
    );
  }

  /**
   * The device share a job of `model` gets on the worker, from what runs there now: its prefill
   * is one more stream beside each copy decoding when it starts (at `startAt`, by the predicted
   * ends of the runs); its decoding joins its copy's batch (one stream, counted once). In the
   * simulator, interactive jobs of a 70 B model on a GPU that also decoded for two other models
   * met their first token in the round's prediction and missed it by seconds.
   */
  shareOn(worker: PolicyWorker, model: string, startAt: number): DeviceShare {
    return this.times.shareOn(worker, model, startAt);
  }

  /** Jobs of the copy running there. */
  runningOf(worker: PolicyWorker, model: string): PolicyRunningJob[] {
    return worker.running.filter((r) => r.model === model);
  }

  /** True for a loaded copy nothing runs on and nothing was sent to this round. */
  isIdle(worker: PolicyWorker, loaded: PolicyLoadedModel): boolean {
    return (
      loaded.busySlots === 0 &&
      !this.times.of(worker).readyAt?.has(loaded.model) &&
      !worker.running.some((r) => r.model === loaded.model)
    );
  }

  /** When an idle copy has been resident for the minimum time and may be evicted. */
  evictableAt(loaded: PolicyLoadedModel): number {
    return loaded.loadedAt + this.settings.minResidencyMs;
  }

  /** Pause costs of a running job, computed once per round. */
  pauseCosts(worker: PolicyWorker, run: PolicyRunningJob): PauseCosts {
    let costs = this.pauseCostCache.get(run.jobId);
    if (!costs) {
      costs = this.oracle.pauseCosts(run, worker, this.times.levelOf(worker, run.model));
      this.pauseCostCache.set(run.jobId, costs);
    }
    return costs;
  }

  /** Dispatches a job and books its slot until its predicted finish. */
  dispatch(worker: PolicyWorker, job: PolicyJob, finishAt: number, reason: string): void {
    this.times.indexed(worker);
    this.plan.dispatch(worker, job, reason);
    this.ledger.dispatch(job);
    this.touch(worker);
    this.times.take(worker, job.model, finishAt);
    this.times.setRunEnd(job.id, finishAt);
    this.refreshCapacity(worker);
  }

  /** Books a waiting job's predicted run on a (real or virtual) copy, for the jobs behind it. */
  book(worker: PolicyWorker, model: string, finishAt: number): void {
    this.touch(worker, false);
    this.times.take(worker, model, finishAt);
  }

  /** Loads a copy; it is ready once the worker's earlier loads and this one are done. */
  load(
    worker: PolicyWorker,
    model: string,
    gpuLayers: number,
    bytes: number,
    reason: string,
  ): void {
    this.times.indexed(worker);
    this.touch(worker);
    this.plan.load(worker, model, gpuLayers, reason, bytes);
    this.startless.loaded(model);
    this.times.of(worker).hostUsed = undefined;
    const ready = this.times.bookLoad(worker, model, gpuLayers);
    this.times.openCopy(worker, model, ready);
    this.copies.addCopy(worker, model);
  }

  /** Unloads an idle copy. */
  unload(worker: PolicyWorker, model: string, reason: string): void {
    this.times.indexed(worker);
    this.touch(worker);
    this.plan.unload(worker, model, reason);
    this.startless.released();
    this.times.of(worker).hostUsed = undefined;
    this.times.closeCopy(worker, model);
    this.copies.removeCopy(worker, model);
  }

  /** Re-offloads an idle copy: a reload at another level, ready after the worker's earlier loads. */
  reoffload(
    worker: PolicyWorker,
    model: string,
    gpuLayers: number,
    bytes: number,
    reason: string,
  ): void {
    this.times.indexed(worker);
    this.touch(worker);
    this.plan.reoffload(worker, model, gpuLayers, bytes, reason);
    this.startless.released();
    this.times.of(worker).hostUsed = undefined;
    this.times.bookLoad(worker, model, gpuLayers);
  }

  /**
   * Preempts a running job; its slot is free at `freedAt`, and at once in the plan with
   * `releaseSlot` (a dispatch in this decision may take it).
   */
  preempt(
    worker: PolicyWorker,
    run: PolicyRunningJob,
    path: 'keep-kv' | 'recompute',
    reason: string,
    releaseSlot: boolean,
    freedAt: number,
  ): void {
    this.times.indexed(worker);
    this.touch(worker);
    this.ledger.preempt(run);
    this.plan.preempt(worker, run, path, reason, releaseSlot);
    this.startless.released();
    this.times.release(worker, run, freedAt);
    this.refreshCapacity(worker);
  }

  /** Records that `model` should be loaded on the worker once memory frees, at `readyAt`. */
  addVirtualCopy(worker: PolicyWorker, model: string, gpuLayers: number, readyAt: number): void {
    this.touch(worker);
    this.copies.addVirtualCopy(worker, model, gpuLayers);
    this.times.openCopy(worker, model, readyAt);
  }

  /** Changes each time the worker's plan changes (slots, memory, loads, queue): a cache key. */
  version(worker: PolicyWorker): number {
    return this.times.of(worker).version;
  }

  /** Changes each time the worker's slots, memory or loads change (not its queue): a cache key. */
  stateVersion(worker: PolicyWorker): number {
    return this.times.of(worker).stateVersion;
  }

  /** Changes each time the free slots or memory of a worker of the device kind change. */
  kindVersion(key: string): number {
    return this.kindVersions.get(key) ?? 0;
  }

  /** Whether a job of this class may take a free slot, given what is owed to batch work. */
  mayTakeFreeSlot(job: PolicyJob): boolean {
    return job.priority === 'batch' || this.freeSlots > this.ledger.owedToBatch();
  }

  /** The plan's workers by id, sorted once per round. */
  private byId(): PolicyWorker[] {
    this.sortedWorkers ??= this.idOrder.sort(this.plan.workers);
    return this.sortedWorkers;
  }

  /** What the round needs of every worker up front: counts, copies, free capacity. */
  private countWorker(worker: PolicyWorker): void {
    if (!worker.draining) {
      for (const run of worker.running) this.ledger.countRunning(run);
      for (const loaded of worker.loaded) this.copies.addCopy(worker, loaded.model);
    }
    this.refreshCapacity(worker);
  }

  /** Marks the worker changed; `slotsOrMemory` false when only its queue moved. */
  private touch(worker: PolicyWorker, slotsOrMemory = true): void {
    const state = this.times.of(worker);
    state.version += 1;
    if (!slotsOrMemory) return;
    state.stateVersion += 1;
    const key = this.oracle.speedKey(worker);
    this.kindVersions.set(key, this.kindVersion(key) + 1);
  }

  private refreshCapacity(worker: PolicyWorker): void {
    const free = worker.draining
      ? 0
      : Math.max(0, worker.maxConcurrentJobs - worker.running.length);
    this.freeSlots += free - (this.freeOf.get(worker) ?? 0);
    this.freeOf.set(worker, free);
    if (free > 0) this.withCapacity.add(worker);
    else this.withCapacity.delete(worker);
  }
}
