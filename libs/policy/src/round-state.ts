import { classRank, type PriorityClass } from '#switchyard/contracts';
import {
  CostOracle,
  type DeviceShare,
  type PauseCosts,
  type PredictionMemo,
} from './cost-oracle.js';
import { DemandIndex } from './demand-index.js';
import { FleetPlan } from './fleet-plan.js';
import { IdOrder } from './id-order.js';
import { compareIds } from './format.js';
import { DEFAULT_POLICY_SETTINGS } from './policy-settings.js';
import { SlotTimeline } from './slot-timeline.js';
import { WorkerModelMap } from './worker-model-map.js';
import type {
  FleetSnapshot,
  PolicyJob,
  PolicyLoadedModel,
  PolicyRunningJob,
  PolicySettings,
  PolicyWorker,
} from './snapshot.js';

/**
 * No load takes longer than this (a 70 B model read cold from storage takes well under a
 * minute): older copies are not checked for a load in flight.
 */
const MAX_LOAD_MS = 120_000;

/** Share of a worker's host memory the policy lets loaded models take. */
const HOST_MEMORY_SHARE = 0.9;

/**
 * Everything one decision knows and changes as it goes: the fleet plan (memory, slots, actions),
 * predicted slot timelines per worker and per loaded copy (the queue ahead of each job), when
 * each copy loaded this round is ready, copies the round expects to load later ("virtual"), and
 * the batch floor. Every change of the fleet goes through it so these stay consistent.
 */
export class RoundState {
  readonly plan: FleetPlan;
  readonly oracle: CostOracle;
  readonly demand: DemandIndex;
  readonly settings: PolicySettings;
  readonly now: number;
  /** Slots batch work keeps while batch jobs wait or run (see batchFloorShare). */
  readonly batchFloorSlots: number;
  /** Batch jobs running (or dispatched in this decision), preempted ones excluded. */
  batchRunning = 0;
  /** Free job slots of the live workers (each worker's cap minus what runs there). */
  freeSlots = 0;

  private readonly workerSlots = new Map<string, SlotTimeline>();
  private readonly modelSlots = new WorkerModelMap<SlotTimeline>();
  private readonly virtualCopies = new Map<string, Map<PolicyWorker, number>>();
  private readonly readyAt = new WorkerModelMap<number>();
  /** Copies loaded or reloaded by this round's actions. */
  private readonly roundLoads = new WorkerModelMap<true>();
  private readonly commandsUntil = new Map<string, number>();
  private readonly runEnds = new Map<string, number>();
  private readonly pauseCostCache = new Map<string, PauseCosts>();
  private readonly candidateCache = new Map<string, PolicyWorker[]>();
  private readonly servable = new Map<PolicyWorker, Set<string>>();
  /** Workers whose slot timelines and run ends are built (on first use: most rounds ask few). */
  private readonly indexed = new Set<PolicyWorker>();
  private sortedWorkers: PolicyWorker[] | undefined;
  private readonly runsCache = new Map<
    PolicyWorker,
    { list: PolicyRunningJob[]; length: number; runs: { model: string; end: number }[] }
  >();
  private readonly copies = new Map<string, Set<PolicyWorker>>();
  private readonly copyLists = new Map<string, PolicyWorker[]>();
  private readonly withCapacity = new Set<PolicyWorker>();
  private readonly freeByWorker = new Map<string, number>();
  private readonly dispatched = new Set<string>();
  private readonly versions = new Map<PolicyWorker, number>();
  private readonly kindVersions = new Map<string, number>();
  private readonly victims = new Map<PriorityClass, number>();

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
    for (const worker of this.plan.workers) this.countWorker(worker);
    const live = this.plan.workers.filter((w) => !w.draining);
    const totalSlots = live.reduce((sum, w) => sum + w.maxConcurrentJobs, 0);
    const batchWaiting = snapshot.backlog.filter((j) => j.priority === 'batch').length;
    const batchJobs = batchWaiting + this.batchRunning;
    const share = this.settings.batchFloorShare;
    // Rounded up, so a small fleet still keeps one slot for batch work while it has any; but never
    // the last slot, or a one-slot fleet would serve batch before interactive work.
    this.batchFloorSlots =
      share > 0 && batchJobs > 0
        ? Math.min(Math.ceil(share * totalSlots), batchJobs, Math.max(0, totalSlots - 1))
        : 0;
  }

  /** Live workers that can serve `model`, by id. */
  candidates(model: string): PolicyWorker[] {
    let list = this.candidateCache.get(model);
    if (!list) {
      list = this.byId().filter((w) => !w.draining && w.models.includes(model));
      this.candidateCache.set(model, list);
    }
    return list;
  }

  /** Whether the worker has `model` in its registry. */
  serves(worker: PolicyWorker, model: string): boolean {
    let models = this.servable.get(worker);
    if (!models) {
      models = new Set(worker.models);
      this.servable.set(worker, models);
    }
    return models.has(model);
  }

  /** Live workers holding a loaded copy of `model`, by id. */
  realCopies(model: string): PolicyWorker[] {
    let list = this.copyLists.get(model);
    if (!list) {
      list = [...(this.copies.get(model) ?? [])].sort((a, b) => compareIds(a.id, b.id));
      this.copyLists.set(model, list);
    }
    return list;
  }

  /** Workers where the round expects to load `model` later, with the level, in the order planned. */
  virtualCopiesOf(model: string): [PolicyWorker, number][] {
    return [...(this.virtualCopies.get(model) ?? [])];
  }

  /** Whether the round expects `model` on `worker` later. */
  hasVirtualCopy(worker: PolicyWorker, model: string): boolean {
    return this.virtualCopies.get(model)?.has(worker) ?? false;
  }

  /** Whether some live worker serving `model` can start a job now. */
  anyCapacityFor(model: string): boolean {
    for (const worker of this.withCapacity) if (this.serves(worker, model)) return true;
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
    this.index(worker);
    const copy = this.modelSlots.get(worker, model);
    return Math.max(
      this.workerFreeAt(worker),
      copy?.earliest ?? Infinity,
      this.modelReadyAt(worker, model),
      this.commandsFreeAt(worker),
    );
  }

  /** When the worker next has room for one more job (epoch ms). */
  workerFreeAt(worker: PolicyWorker): number {
    return this.workerTimeline(worker).earliest;
  }

  /** When a job dispatched now to a loaded copy starts: after the copy's and the worker's loads. */
  readyStartAt(worker: PolicyWorker, model: string): number {
    return Math.max(this.modelReadyAt(worker, model), this.commandsFreeAt(worker));
  }

  /** When every slot of a copy is free (epoch ms). */
  copyIdleAt(worker: PolicyWorker, model: string): number {
    this.index(worker);
    return this.modelSlots.get(worker, model)?.latest ?? this.now;
  }

  /** When a copy loaded or re-offloaded this round is usable (now otherwise). */
  modelReadyAt(worker: PolicyWorker, model: string): number {
    return this.readyAt.get(worker, model) ?? this.now;
  }

  /** When the worker has applied the loads sent to it this round. */
  commandsFreeAt(worker: PolicyWorker): number {
    return Math.max(this.now, this.commandsUntil.get(worker.id) ?? this.now);
  }

  /** Host memory left for another copy on a GPU worker (Infinity when it is not reported). */
  hostFree(worker: PolicyWorker): number {
    const total = worker.device.ramTotalBytes;
    if (worker.device.kind === 'cpu' || !(total > 0)) return Infinity;
    const used = worker.loaded.reduce(
      (sum, m) => sum + this.oracle.hostBytesAt(m.model, worker, m.gpuLayers),
      0,
    );
    return total * HOST_MEMORY_SHARE - used;
  }

  /** The most GPU layers `model` gets on the worker within `bytes` of its budget. */
  levelWithin(worker: PolicyWorker, model: string, bytes: number): number | undefined {
    return this.oracle.maxLevelWithin(model, worker, bytes, this.hostFree(worker));
  }

  /**
   * Whether the job would resume on the worker from its saved KV state: the state is there and
   * the copy that holds its model was neither loaded nor reloaded this round.
   */
  restoresKv(job: PolicyJob, worker: PolicyWorker): boolean {
    return (
      job.kvStateOn === worker.id &&
      this.plan.loadedModel(worker, job.model) !== undefined &&
      !this.roundLoads.has(worker, job.model)
    );
  }

  /**
   * The device share a job of `model` gets on the worker, from what runs there now: its prefill
   * is one more stream beside each copy decoding when it starts (at `startAt`, by the predicted
   * ends of the runs); its decoding joins its copy's batch (one stream, counted once). In the simulator, interactive jobs of a 70 B model on a GPU that
   * also decoded for two other models met their first token in the round's prediction and
   * missed it by seconds.
   */
  shareOn(worker: PolicyWorker, model: string, startAt: number): DeviceShare {
    const models = new Set<string>();
    for (const run of this.runsOf(worker)) if (run.end > startAt) models.add(run.model);
    const decoding = models.size;
    return { prefill: decoding + 1, decode: models.has(model) ? decoding : decoding + 1 };
  }

  /** The worker's runs with their predicted ends, rebuilt when its running list changes. */
  private runsOf(worker: PolicyWorker): { model: string; end: number }[] {
    const cached = this.runsCache.get(worker);
    if (cached && cached.list === worker.running && cached.length === worker.running.length) {
      return cached.runs;
    }
    const runs = worker.running.map((run) => ({ model: run.model, end: this.runEnd(worker, run) }));
    this.runsCache.set(worker, { list: worker.running, length: worker.running.length, runs });
    return runs;
  }

  /** Jobs of the copy running there. */
  runningOf(worker: PolicyWorker, model: string): PolicyRunningJob[] {
    return worker.running.filter((r) => r.model === model);
  }

  /** True for a loaded copy nothing runs on and nothing was sent to this round. */
  isIdle(worker: PolicyWorker, loaded: PolicyLoadedModel): boolean {
    return (
      loaded.busySlots === 0 &&
      !this.readyAt.has(worker, loaded.model) &&
      !worker.running.some((r) => r.model === loaded.model)
    );
  }

  /** When an idle copy has been resident for the minimum time and may be evicted. */
  evictableAt(loaded: PolicyLoadedModel): number {
    return loaded.loadedAt + this.settings.minResidencyMs;
  }

  /** A running job's predicted end (epoch ms). */
  runEnd(worker: PolicyWorker, run: PolicyRunningJob): number {
    this.index(worker);
    return this.runEnds.get(run.jobId) ?? this.now;
  }

  /** Pause costs of a running job, computed once per round. */
  pauseCosts(worker: PolicyWorker, run: PolicyRunningJob): PauseCosts {
    let costs = this.pauseCostCache.get(run.jobId);
    if (!costs) {
      costs = this.oracle.pauseCosts(run, worker, this.levelOf(worker, run.model));
      this.pauseCostCache.set(run.jobId, costs);
    }
    return costs;
  }

  /** Milliseconds until a running job stops at its next token. */
  stopMs(worker: PolicyWorker, run: PolicyRunningJob): number {
    return this.oracle.msPerToken(run.model, worker, this.levelOf(worker, run.model));
  }

  /** GPU layers of a copy (its top when not loaded there). */
  levelOf(worker: PolicyWorker, model: string): number {
    return this.plan.loadedModel(worker, model)?.gpuLayers ?? this.oracle.topLevel(model, worker);
  }

  /** Whether a running job may be preempted for a job of `rank` (class, cap, batch floor). */
  mayPreempt(run: PolicyRunningJob, rank: number): boolean {
    if (classRank(run.priority) <= rank || !this.isVictim(run)) return false;
    return run.priority !== 'batch' || this.batchRunning - 1 >= this.batchFloorSlots;
  }

  /**
   * A job the worker has started (not one whose dispatch is in flight, which it could not stop
   * yet), that is not being preempted already and is under the preemption cap.
   */
  private isVictim(run: PolicyRunningJob): boolean {
    return (
      run.startedAt !== undefined &&
      !run.preempting &&
      !this.dispatched.has(run.jobId) &&
      (run.preemptions ?? 0) < this.settings.maxPreemptionsPerJob
    );
  }

  /** Dispatches a job and books its slot until its predicted finish. */
  dispatch(worker: PolicyWorker, job: PolicyJob, finishAt: number, reason: string): void {
    this.index(worker);
    this.plan.dispatch(worker, job, reason);
    this.dispatched.add(job.id);
    this.touch(worker);
    this.book(worker, job.model, finishAt);
    if (job.priority === 'batch') this.batchRunning += 1;
    this.runEnds.set(job.id, finishAt);
    this.refreshCapacity(worker);
  }

  /** Books a waiting job's predicted run on a (real or virtual) copy, for the jobs behind it. */
  book(worker: PolicyWorker, model: string, finishAt: number): void {
    this.index(worker);
    this.touch(worker, false);
    this.workerTimeline(worker).take(finishAt);
    this.modelSlots.get(worker, model)?.take(finishAt);
  }

  /** Loads a copy; it is ready once the worker's earlier loads and this one are done. */
  load(
    worker: PolicyWorker,
    model: string,
    gpuLayers: number,
    bytes: number,
    reason: string,
  ): void {
    this.index(worker);
    this.touch(worker);
    this.plan.load(worker, model, gpuLayers, reason, bytes);
    const ready = this.bookLoad(worker, model, gpuLayers);
    const slots = Math.min(worker.slotsPerModel, worker.maxConcurrentJobs);
    this.modelSlots.set(worker, model, new SlotTimeline(slots, [], ready));
    this.virtualCopies.get(model)?.delete(worker);
    this.addCopy(worker, model);
  }

  /** Unloads an idle copy. */
  unload(worker: PolicyWorker, model: string, reason: string): void {
    this.index(worker);
    this.touch(worker);
    this.plan.unload(worker, model, reason);
    this.modelSlots.delete(worker, model);
    this.copies.get(model)?.delete(worker);
    this.copyLists.delete(model);
  }

  /** Re-offloads an idle copy: a reload at another level, ready after the worker's earlier loads. */
  reoffload(
    worker: PolicyWorker,
    model: string,
    gpuLayers: number,
    bytes: number,
    reason: string,
  ): void {
    this.index(worker);
    this.touch(worker);
    this.plan.reoffload(worker, model, gpuLayers, bytes, reason);
    this.bookLoad(worker, model, gpuLayers);
  }

  /** Books a (re)load behind the worker's earlier commands; returns when the copy is ready. */
  private bookLoad(worker: PolicyWorker, model: string, gpuLayers: number): number {
    const ready = this.commandsFreeAt(worker) + this.oracle.loadMs(model, worker, gpuLayers);
    this.commandsUntil.set(worker.id, ready);
    this.readyAt.set(worker, model, ready);
    this.roundLoads.set(worker, model, true);
    return ready;
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
    this.index(worker);
    this.touch(worker);
    if (this.isVictim(run)) this.countVictim(run, -1);
    this.plan.preempt(worker, run, path, reason, releaseSlot);
    const end = this.runEnd(worker, run);
    this.workerTimeline(worker).release(end, freedAt);
    this.modelSlots.get(worker, run.model)?.release(end, freedAt);
    this.runEnds.set(run.jobId, freedAt);
    if (run.priority === 'batch') this.batchRunning -= 1;
    this.refreshCapacity(worker);
  }

  /** Records that `model` should be loaded on the worker once memory frees, at `readyAt`. */
  addVirtualCopy(worker: PolicyWorker, model: string, gpuLayers: number, readyAt: number): void {
    this.index(worker);
    this.touch(worker);
    const copies = this.virtualCopies.get(model) ?? new Map<PolicyWorker, number>();
    copies.set(worker, gpuLayers);
    this.virtualCopies.set(model, copies);
    const slots = Math.min(worker.slotsPerModel, worker.maxConcurrentJobs);
    this.modelSlots.set(worker, model, new SlotTimeline(slots, [], readyAt));
  }

  /** When the first slot of a virtual copy is free. */
  virtualSlotFreeAt(worker: PolicyWorker, model: string): number {
    this.index(worker);
    const copy = this.modelSlots.get(worker, model);
    return Math.max(this.workerFreeAt(worker), copy?.earliest ?? Infinity);
  }

  /** Changes each time the worker's plan changes (slots, memory, loads, queue): a cache key. */
  version(worker: PolicyWorker): number {
    return this.versions.get(worker) ?? 0;
  }

  /** Changes each time the free slots or memory of a worker of the device kind change. */
  kindVersion(key: string): number {
    return this.kindVersions.get(key) ?? 0;
  }

  /** Slots still owed to batch work: higher classes leave this many free slots to it. */
  owedToBatch(): number {
    return Math.max(0, this.batchFloorSlots - this.batchRunning);
  }

  /** Whether a job of this class may take a free slot, given what is owed to batch work. */
  mayTakeFreeSlot(job: PolicyJob): boolean {
    return job.priority === 'batch' || this.freeSlots > this.owedToBatch();
  }

  /** Whether some running job may be preempted for a job of `rank`. */
  anyVictimFor(rank: number): boolean {
    const standard = this.victims.get('standard') ?? 0;
    const batch = this.victims.get('batch') ?? 0;
    const batchAllowed = batch > 0 && this.batchRunning - 1 >= this.batchFloorSlots;
    return (
      (rank < classRank('standard') && standard > 0) || (rank < classRank('batch') && batchAllowed)
    );
  }

  private workerTimeline(worker: PolicyWorker): SlotTimeline {
    this.index(worker);
    return this.workerSlots.get(worker.id)!;
  }

  /** The plan's workers by id, sorted once per round. */
  private byId(): PolicyWorker[] {
    this.sortedWorkers ??= this.idOrder.sort(this.plan.workers);
    return this.sortedWorkers;
  }

  /** What the round needs of every worker up front: counts, copies, loads, free capacity. */
  private countWorker(worker: PolicyWorker): void {
    this.loadsInFlight(worker);
    if (!worker.draining) {
      for (const run of worker.running) {
        if (run.priority === 'batch' && !run.preempting) this.batchRunning += 1;
        if (this.isVictim(run)) this.countVictim(run, 1);
      }
      for (const loaded of worker.loaded) this.addCopy(worker, loaded.model);
    }
    this.refreshCapacity(worker);
  }

  /**
   * Copies the worker may still be loading: the snapshot shows a load as a copy as soon as it is
   * sent (loadedAt then being when it was sent), and the worker applies its commands in order,
   * so a job sent to it now starts after its loads, on any of its copies. Recent copies are
   * taken to load one after another from their loadedAt: in the simulator, interactive jobs
   * sent behind two or three such loads missed their first token by seconds while the round
   * predicted milliseconds. (A copy that has just finished loading is delayed for nothing by at
   * most its load time; the snapshot does not tell the two apart. The first load of a model on
   * a host reads its file from storage and takes longer than predicted.)
   */
  private loadsInFlight(worker: PolicyWorker): void {
    if (!worker.loaded.some((m) => m.loadedAt > this.now - MAX_LOAD_MS)) return;
    const recent = worker.loaded
      .filter((m) => m.loadedAt > this.now - MAX_LOAD_MS)
      .sort((a, b) => a.loadedAt - b.loadedAt || compareIds(a.model, b.model));
    // The worker applies its loads one after another: each starts once the one before is done.
    let until = -Infinity;
    for (const loaded of recent) {
      const loadMs = this.oracle.loadMs(loaded.model, worker, loaded.gpuLayers);
      const ready = Math.max(until, loaded.loadedAt) + loadMs;
      if (ready <= this.now) continue;
      this.readyAt.set(worker, loaded.model, ready);
      until = ready;
    }
    if (until > this.now) this.commandsUntil.set(worker.id, until);
  }

  /**
   * Builds the worker's slot timelines and its runs' predicted ends, once, before anything reads
   * them or changes the worker: they depend only on the snapshot's state of the worker.
   */
  private index(worker: PolicyWorker): void {
    if (this.indexed.has(worker)) return;
    this.indexed.add(worker);
    const ends: number[] = [];
    const endsByModel = new Map<string, number[]>();
    for (const run of worker.running) {
      const end = run.preempting
        ? this.now + this.stopMs(worker, run)
        : this.now + this.oracle.remainingMs(run, worker, this.levelOf(worker, run.model));
      this.runEnds.set(run.jobId, end);
      ends.push(end);
      const modelEnds = endsByModel.get(run.model);
      if (modelEnds) modelEnds.push(end);
      else endsByModel.set(run.model, [end]);
    }
    this.workerSlots.set(worker.id, new SlotTimeline(worker.maxConcurrentJobs, ends, this.now));
    for (const loaded of worker.loaded) {
      const timeline = new SlotTimeline(
        loaded.slots,
        endsByModel.get(loaded.model) ?? [],
        this.now,
      );
      this.modelSlots.set(worker, loaded.model, timeline);
    }
  }

  /** Marks the worker changed; `slotsOrMemory` false when only its queue moved. */
  private touch(worker: PolicyWorker, slotsOrMemory = true): void {
    this.versions.set(worker, this.version(worker) + 1);
    if (!slotsOrMemory) return;
    const key = this.oracle.speedKey(worker);
    this.kindVersions.set(key, this.kindVersion(key) + 1);
  }

  private countVictim(run: PolicyRunningJob, delta: number): void {
    this.victims.set(run.priority, (this.victims.get(run.priority) ?? 0) + delta);
  }

  private addCopy(worker: PolicyWorker, model: string): void {
    const set = this.copies.get(model) ?? new Set<PolicyWorker>();
    set.add(worker);
    this.copies.set(model, set);
    this.copyLists.delete(model);
  }

  private refreshCapacity(worker: PolicyWorker): void {
    const free = worker.draining
      ? 0
      : Math.max(0, worker.maxConcurrentJobs - worker.running.length);
    this.freeSlots += free - (this.freeByWorker.get(worker.id) ?? 0);
    this.freeByWorker.set(worker.id, free);
    if (free > 0) this.withCapacity.add(worker);
    else this.withCapacity.delete(worker);
  }
}
