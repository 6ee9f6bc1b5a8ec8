import type { CostOracle } from './cost-oracle.js';
import type { FleetPlan } from './fleet-plan.js';
import { compareIds } from './format.js';
import type { DeviceShare, ModelCosts } from './model-costs.js';
import { SlotTimeline } from './slot-timeline.js';
import type { PolicyRunningJob, PolicyWorker } from './snapshot.js';
import { WorkerRound } from './worker-round.js';

/**
 * No load takes longer than this (a 70 B model read cold from storage takes well under a
 * minute): older copies are not checked for a load in flight.
 */
const MAX_LOAD_MS = 120_000;

/**
 * Device shares by the number of copies decoding beside a job and whether its own copy is one of
 * them (frozen, shared by every round: a share is asked per option, thousands per round).
 */
const SHARES: DeviceShare[][] = [];

/**
 * When things happen on each worker as a round plans them: predicted slot timelines per worker
 * and per copy (the queue ahead of each job), the predicted ends of the runs, when each copy
 * loaded this round is ready and when each worker has applied its loads. RoundState changes
 * them along with the plan; everything here reads the worker's WorkerRound, one lookup.
 */
export class RoundTimelines {
  private readonly workers = new Map<PolicyWorker, WorkerRound>();
  private readonly runEnds = new Map<string, number>();

  constructor(
    private readonly plan: FleetPlan,
    private readonly oracle: CostOracle,
    private readonly now: number,
  ) {
    for (const worker of plan.workers) this.loadsInFlight(worker);
  }

  /** The round's record of the worker (made on first use: a round asks about few workers). */
  of(worker: PolicyWorker): WorkerRound {
    let state = this.workers.get(worker);
    if (!state) {
      state = new WorkerRound();
      this.workers.set(worker, state);
    }
    return state;
  }

  /** See RoundState.slotFreeAt. */
  slotFreeAt(worker: PolicyWorker, model: string): number {
    const state = this.indexed(worker);
    const copy = state.copySlots!.get(model);
    return Math.max(
      state.slots!.earliest,
      copy?.earliest ?? Infinity,
      state.readyAt?.get(model) ?? this.now,
      this.commandsFree(state),
    );
  }

  /** When the worker next has room for one more job (epoch ms). */
  workerFreeAt(worker: PolicyWorker): number {
    return this.indexed(worker).slots!.earliest;
  }

  /** When a job dispatched now to a loaded copy starts: after the copy's and the worker's loads. */
  readyStartAt(worker: PolicyWorker, model: string): number {
    const state = this.of(worker);
    return Math.max(state.readyAt?.get(model) ?? this.now, this.commandsFree(state));
  }

  /** When every slot of a copy is free (epoch ms). */
  copyIdleAt(worker: PolicyWorker, model: string): number {
    return this.indexed(worker).copySlots!.get(model)?.latest ?? this.now;
  }

  /** When the worker has applied the loads sent to it this round. */
  commandsFreeAt(worker: PolicyWorker): number {
    return this.commandsFree(this.of(worker));
  }

  /** When the first slot of a virtual copy is free. */
  virtualSlotFreeAt(worker: PolicyWorker, model: string): number {
    const state = this.indexed(worker);
    return Math.max(state.slots!.earliest, state.copySlots!.get(model)?.earliest ?? Infinity);
  }

  /** A running job's predicted end (epoch ms). */
  runEnd(worker: PolicyWorker, run: PolicyRunningJob): number {
    this.indexed(worker);
    return this.runEnds.get(run.jobId) ?? this.now;
  }

  /** Sets a job's predicted end (a dispatch, or a preempted job's stop). */
  setRunEnd(jobId: string, end: number): void {
    this.runEnds.set(jobId, end);
  }

  /** See RoundState.shareOn. */
  shareOn(worker: PolicyWorker, model: string, startAt: number): DeviceShare {
    const { models, lastEnds } = this.runsOf(worker);
    let decoding = 0;
    let has = false;
    for (let i = 0; i < models.length; i++) {
      if (!(lastEnds[i] > startAt)) continue;
      decoding += 1;
      if (models[i] === model) has = true;
    }
    const shares = (SHARES[decoding] ??= [
      Object.freeze({ prefill: decoding + 1, decode: decoding + 1 }),
      Object.freeze({ prefill: decoding + 1, decode: decoding }),
    ]);
    return shares[has ? 1 : 0];
  }

  /**
   * The jobs a job of `model` starting at `startAt` slows down on the worker: those of the other
   * copies decoding then, when it opens a stream of its own (its model does not decode there);
   * none when it joins its copy's batch.
   */
  slowedBy(worker: PolicyWorker, model: string, startAt: number): number {
    const { models, lastEnds, counts } = this.runsOf(worker);
    let jobs = 0;
    for (let i = 0; i < models.length; i++) {
      if (!(lastEnds[i] > startAt)) continue;
      if (models[i] === model) return 0;
      jobs += counts[i];
    }
    return jobs;
  }

  /** Milliseconds until a running job stops at its next token. */
  stopMs(worker: PolicyWorker, run: PolicyRunningJob): number {
    return this.oracle.msPerToken(run.model, worker, this.levelOf(worker, run.model));
  }

  /** GPU layers of a copy (its top when not loaded there). */
  levelOf(worker: PolicyWorker, model: string): number {
    return this.plan.loadedModel(worker, model)?.gpuLayers ?? this.oracle.topLevel(model, worker);
  }

  /** Books the earliest slot of the worker and of its copy of `model` until `finishAt`. */
  take(worker: PolicyWorker, model: string, finishAt: number): void {
    const state = this.indexed(worker);
    state.slots!.take(finishAt);
    state.copySlots!.get(model)?.take(finishAt);
  }

  /** Moves a preempted run's slot (busy until its predicted end) to free at `freedAt`. */
  release(worker: PolicyWorker, run: PolicyRunningJob, freedAt: number): void {
    const state = this.indexed(worker);
    const end = this.runEnd(worker, run);
    state.slots!.release(end, freedAt);
    state.copySlots!.get(run.model)?.release(end, freedAt);
    this.runEnds.set(run.jobId, freedAt);
  }

  /** Gives a (real or virtual) copy of `model` empty slots, free from `from`. */
  openCopy(worker: PolicyWorker, model: string, from: number): void {
    const state = this.indexed(worker);
    const slots = Math.min(worker.slotsPerModel, worker.maxConcurrentJobs);
    state.copySlots!.set(model, new SlotTimeline(slots, [], from));
  }

  /** Forgets an unloaded copy's slots. */
  closeCopy(worker: PolicyWorker, model: string): void {
    this.indexed(worker).copySlots!.delete(model);
  }

  /** Books a (re)load behind the worker's earlier commands; returns when the copy is ready. */
  bookLoad(worker: PolicyWorker, model: string, gpuLayers: number): number {
    const state = this.indexed(worker);
    const ready = this.commandsFree(state) + this.oracle.loadMs(model, worker, gpuLayers);
    state.commandsUntil = ready;
    (state.readyAt ??= new Map<string, number>()).set(model, ready);
    (state.roundLoads ??= new Set<string>()).add(model);
    return ready;
  }

  private commandsFree(state: WorkerRound): number {
    return Math.max(this.now, state.commandsUntil ?? this.now);
  }

  /** The models running on the worker with the latest predicted end of their runs. */
  private runsOf(worker: PolicyWorker): { models: string[]; lastEnds: number[]; counts: number[] } {
    const state = this.of(worker);
    const cached = state.runs;
    if (cached && cached.list === worker.running && cached.length === worker.running.length) {
      return cached;
    }
    const models: string[] = [];
    const lastEnds: number[] = [];
    const counts: number[] = [];
    for (const run of worker.running) {
      const end = this.runEnd(worker, run);
      const at = models.indexOf(run.model);
      // A model decodes at a time when one of its runs ends after it: its latest end tells.
      if (at < 0) {
        models.push(run.model);
        lastEnds.push(end > -Infinity ? end : -Infinity);
        counts.push(1);
      } else {
        if (end > lastEnds[at]) lastEnds[at] = end;
        counts[at] += 1;
      }
    }
    state.runs = { list: worker.running, length: worker.running.length, models, lastEnds, counts };
    return state.runs;
  }

  /**
   * The worker's record with its slot timelines and its runs' predicted ends built, once, before
   * anything reads them or changes the worker (RoundState calls it first in every change): they
   * depend only on the snapshot's state of it.
   */
  indexed(worker: PolicyWorker): WorkerRound {
    const state = this.of(worker);
    if (state.indexed) return state;
    state.indexed = true;
    const running = worker.running;
    const ends = new Array<number>(running.length);
    // Runs of one model come together: its level and costs are found once for them.
    let model: string | undefined;
    let level = 0;
    let costs: ModelCosts | undefined;
    for (let i = 0; i < running.length; i++) {
      const run = running[i];
      if (run.model !== model || !costs) {
        model = run.model;
        level = this.levelOf(worker, model);
        costs = this.oracle.costs(model, worker);
      }
      const end = run.preempting
        ? this.now + costs.msPerToken(level)
        : this.now + this.oracle.remainingMsOn(costs, run, level);
      this.runEnds.set(run.jobId, end);
      ends[i] = end;
    }
    state.slots = new SlotTimeline(worker.maxConcurrentJobs, ends, this.now);
    state.copySlots = new Map<string, SlotTimeline>();
    for (const loaded of worker.loaded) {
      const copyEnds: number[] = [];
      for (let i = 0; i < running.length; i++) {
        if (running[i].model === loaded.model) copyEnds.push(ends[i]);
      }
      state.copySlots!.set(loaded.model, new SlotTimeline(loaded.slots, copyEnds, this.now));
    }
    return state;
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
    // Whatever their order, the recent loads are all done by the latest one's send plus all
    // their load times: when that is past, none is in flight (no list to sort, most rounds).
    let latest = -Infinity;
    let allLoadMs = 0;
    for (const m of worker.loaded) {
      if (!(m.loadedAt > this.now - MAX_LOAD_MS)) continue;
      latest = Math.max(latest, m.loadedAt);
      allLoadMs += this.oracle.loadMs(m.model, worker, m.gpuLayers);
    }
    if (latest + allLoadMs <= this.now) return;
    const recent = worker.loaded
      .filter((m) => m.loadedAt > this.now - MAX_LOAD_MS)
      .sort((a, b) => a.loadedAt - b.loadedAt || compareIds(a.model, b.model));
    // The worker applies its loads one after another: each starts once the one before is done.
    let until = -Infinity;
    for (const loaded of recent) {
      const loadMs = this.oracle.loadMs(loaded.model, worker, loaded.gpuLayers);
      const ready = Math.max(until, loaded.loadedAt) + loadMs;
      if (ready <= this.now) continue;
      const state = this.of(worker);
      (state.readyAt ??= new Map<string, number>()).set(loaded.model, ready);
      until = ready;
    }
    if (until > this.now) this.of(worker).commandsUntil = until;
  }
}
