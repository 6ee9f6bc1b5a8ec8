import { compareIds } from './format.js';
import { KindRanking } from './kind-ranking.js';
import { LoadPlacements } from './load-placements.js';
import type { LowerBound, OptionCollector } from './plan-choice.js';
import type { Note, PlanKind, PlanOption, PlanStep } from './plan-option.js';
import type { RoundState } from './round-state.js';
import type { PolicyJob, PolicyWorker } from './snapshot.js';
import { ALONE, type ModelCosts } from './model-costs.js';

/** Workers of one device kind evaluated per job for a model they do not hold (see mostPromising). */
const WORKERS_PER_KIND = 2;

/** Workers that predict alike for a model (same device, same threads). */
export interface SpeedGroup {
  key: string;
  workers: readonly PolicyWorker[];
  /** The model's costs on the group's first worker (what its lower bound reads). */
  costs: ModelCosts;
  /** When the lightest load of the model there would be done, if sent now (epoch ms). */
  loadedBy: number;
  /** Rank of its key among the model's groups (compareIds order): ties of lower bounds. */
  keyRank: number;
}

/**
 * The options that preempt nobody: a free slot or the queue of a copy of the job's model; on
 * workers without one, a load into free memory (partially offloaded when that is all that fits),
 * a load after evicting or shrinking idle models, or waiting for memory. Workers without a copy
 * are visited by device kind, most promising kind first, and a kind is skipped once its lower
 * bound (load at the fewest layers, run at full residency) cannot beat what was found; inside a
 * kind only its most promising workers are evaluated.
 */
export class PlacementOptions {
  private readonly groups = new Map<string, SpeedGroup[]>();
  private readonly loads: LoadPlacements;
  private readonly ranking: KindRanking;
  /** mostPromising per group (a group is one model's workers of one kind). */
  private readonly promising = new Map<
    SpeedGroup,
    { version: number; workers: readonly PolicyWorker[] }
  >();
  /** The lower bounds of the last job asked about, per group of its model. */
  private bounds: LowerBound[] = [];
  private boundsJob: PolicyJob | undefined;

  constructor(private readonly round: RoundState) {
    this.loads = new LoadPlacements(round);
    this.ranking = new KindRanking(round);
  }

  /**
   * Free slots and queues of the loaded (and expected) copies of the job's model. `takeFree`:
   * whether the job may take a free slot (not when the free slots are owed to batch work).
   */
  onCopies(job: PolicyJob, out: OptionCollector, takeFree: boolean): void {
    const r = this.round;
    const model = job.model;
    const cold = plansColdLoads(job);
    for (const worker of r.realCopies(model)) {
      const loaded = r.plan.loadedModel(worker, model)!;
      const ready = takeFree && loaded.busySlots < loaded.slots && r.hasCapacity(worker);
      let startAt = ready ? r.readyStartAt(worker, model) : r.slotFreeAt(worker, model);
      // A copy whose file the worker has not read yet is still loading, from storage: the round's
      // timelines count its load from the page cache.
      const extra = cold ? r.oracle.coldExtraMs(model, worker, loaded.gpuLayers) : 0;
      if (extra > 0) {
        const warmReady = loaded.loadedAt + r.oracle.loadMs(model, worker, loaded.gpuLayers);
        startAt = Math.max(startAt, warmReady) + extra;
      }
      if (!Number.isFinite(startAt)) continue;
      const kind = ready ? 'ready' : 'wait-slot';
      out.add(this.option(job, worker, kind, loaded.gpuLayers, startAt, NO_STEPS, ready, ''));
    }
    const virtual = r.copies.virtualCopiesOf(model);
    if (!virtual) return;
    for (const [worker, gpuLayers] of virtual) {
      const startAt = r.times.virtualSlotFreeAt(worker, model);
      if (!Number.isFinite(startAt)) continue;
      const option = this.option(job, worker, 'wait-slot', gpuLayers, startAt, NO_STEPS, false, '');
      option.virtual = true;
      out.add(option);
    }
  }

  /**
   * Loads on workers without a copy of the job's model, cheapest device kinds first. False when
   * a kind or worker was skipped because it could not beat what was found (what it would offer
   * is then unknown).
   */
  onOtherWorkers(job: PolicyJob, out: OptionCollector, takeFree: boolean): boolean {
    const groups = this.groupsFor(job.model);
    const bounds = this.boundsOf(job, groups);
    // By lower bound, ties by key: a handful of groups, sorted by insertion.
    const order: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      let at = order.length;
      while (at > 0 && byBound(bounds, groups, i, order[at - 1]) < 0) at--;
      order.splice(at, 0, i);
    }
    let complete = true;
    for (const i of order) {
      const group = groups[i];
      const bound = bounds[i];
      if (out.canSkip(bound)) {
        const first = group.workers.find((w) => !this.round.plan.loadedModel(w, job.model));
        out.skipped(bound.finishAt, first);
        complete = false;
        continue;
      }
      const workers = this.mostPromising(group, job.model);
      for (let w = 0; w < workers.length; w++) {
        this.onWorker(job, workers[w], out, takeFree);
        if (w < workers.length - 1 && out.canSkip(bound)) {
          complete = false;
          break;
        }
      }
    }
    return complete;
  }

  /**
   * The earliest first token and finish any worker of the group could offer a job whose model it
   * does not hold: the lightest load, then the job at full residency.
   */
  lowerBound(job: PolicyJob, group: SpeedGroup): LowerBound {
    const groups = this.groupsFor(job.model);
    return this.boundsOf(job, groups)[groups.indexOf(group)];
  }

  /** The lower bounds of every group of the job's model, computed once per job. */
  private boundsOf(job: PolicyJob, groups: SpeedGroup[]): LowerBound[] {
    if (this.boundsJob === job) return this.bounds;
    this.boundsJob = job;
    this.bounds = groups.map((group) => {
      const { firstTokenMs, runMs } = group.costs.jobMs(job, group.costs.top, false, ALONE);
      return { firstTokenAt: group.loadedBy + firstTokenMs, finishAt: group.loadedBy + runMs };
    });
    return this.bounds;
  }

  private onWorker(
    job: PolicyJob,
    worker: PolicyWorker,
    out: OptionCollector,
    takeFree: boolean,
  ): void {
    const cold = plansColdLoads(job);
    for (const p of this.loads.on(worker, job.model, takeFree)) {
      const { kind, gpuLayers, steps, dispatchNow, note, harmMs } = p;
      const extra = cold ? this.round.oracle.coldExtraMs(job.model, worker, gpuLayers) : 0;
      const startAt = p.startAt + extra;
      out.add(this.option(job, worker, kind, gpuLayers, startAt, steps, dispatchNow, note, harmMs));
    }
  }

  private option(
    job: PolicyJob,
    worker: PolicyWorker,
    kind: PlanKind,
    gpuLayers: number,
    startAt: number,
    steps: PlanStep[],
    dispatchNow: boolean,
    note: Note,
    harmMs = 0,
  ): PlanOption {
    const r = this.round;
    const costs = r.oracle.costs(job.model, worker);
    const restore = steps.length === 0 && r.restoresKv(job, worker);
    const share = r.shareOn(worker, job.model, startAt);
    const { firstTokenMs, runMs } = costs.jobMs(job, gpuLayers, restore, share);
    // A stream of its own takes its device time from every job decoding beside it (processor
    // sharing: each is delayed by about that time); joining its copy's batch costs them little.
    const slowed = r.times.slowedBy(worker, job.model, startAt);
    return {
      kind,
      worker,
      gpuLayers,
      startAt,
      firstTokenAt: startAt + firstTokenMs,
      finishAt: startAt + runMs,
      harmMs: slowed === 0 ? harmMs : harmMs + (slowed * runMs) / share.decode,
      steps,
      dispatchNow,
      virtual: undefined,
      note,
      restoresKvMs: restore ? costs.restoreMs(job, gpuLayers) : undefined,
      evicts: undefined,
      partialLoad: kind === 'load' && gpuLayers < costs.top,
    };
  }

  /**
   * The workers of a device kind worth evaluating for a model they do not hold: those with a free
   * slot first, then the most free memory (ties by id). Workers of one kind predict alike, so
   * the others could only offer the same or worse; this keeps a job's cost independent of the
   * fleet's size. Kept until a worker of the kind changes its slots or memory.
   */
  mostPromising(group: SpeedGroup, model: string): readonly PolicyWorker[] {
    const version = this.round.kindVersion(group.key);
    const cached = this.promising.get(group);
    if (cached && cached.version === version) return cached.workers;
    const workers = this.selectPromising(group, model);
    this.promising.set(group, { version, workers });
    return workers;
  }

  /** The same among the workers `include` accepts (not kept). */
  selectPromising(
    group: SpeedGroup,
    model: string,
    include?: (worker: PolicyWorker) => boolean,
  ): PolicyWorker[] {
    const r = this.round;
    const best: PolicyWorker[] = [];
    for (const worker of this.ranking.of(group.key)) {
      if (!r.copies.serves(worker, model) || r.plan.loadedModel(worker, model)) continue;
      if (include && !include(worker)) continue;
      best.push(worker);
      if (best.length === WORKERS_PER_KIND) break;
    }
    return best;
  }

  /** The candidates for a model by device kind. */
  groupsFor(model: string): SpeedGroup[] {
    let groups = this.groups.get(model);
    if (!groups) {
      const r = this.round;
      // Served by every live worker (the usual fleet): its groups are the fleet's device kinds.
      let byKey: ReadonlyMap<string, readonly PolicyWorker[]> = r.liveKinds();
      if (!r.servedByAll(model)) {
        const some = new Map<string, PolicyWorker[]>();
        for (const worker of r.candidates(model)) {
          const key = r.oracle.speedKey(worker);
          const workers = some.get(key) ?? [];
          workers.push(worker);
          some.set(key, workers);
        }
        byKey = some;
      }
      const keys = [...byKey.keys()].sort(compareIds);
      groups = [...byKey].map(([key, workers]) => {
        const costs = r.oracle.costs(model, workers[0]);
        const loadedBy = r.now + costs.loadMs(costs.min);
        return { key, workers, costs, loadedBy, keyRank: keys.indexOf(key) };
      });
      this.groups.set(model, groups);
    }
    return groups;
  }
}

/**
 * Whether the job's options count loads from storage where the worker has not read the model's
 * file (see PolicyWorker.warmModels): interactive and standard jobs do, for their SLA hangs on
 * it; batch jobs plan every load from the page cache. In the simulator, batch jobs planning cold
 * loads too cut goodput on batch-flood-wide (2,687 tok/s warm; 2,327 with batch placements cold;
 * 1,460 with the round's timelines cold as well, 4,418 GiB loaded against 2,637), probably as a
 * copy still loading looked far off and batch jobs loaded elsewhere instead of waiting for it.
 */
export function plansColdLoads(job: PolicyJob): boolean {
  return job.priority !== 'batch';
}

/** Steps of an option that needs none (shared: options never change their steps). */
const NO_STEPS: PlanStep[] = [];

/** Order of two groups by their lower bound's finish, ties by key. */
function byBound(bounds: LowerBound[], groups: SpeedGroup[], a: number, b: number): number {
  return bounds[a].finishAt - bounds[b].finishAt || groups[a].keyRank - groups[b].keyRank;
}
