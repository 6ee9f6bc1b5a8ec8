import { compareIds } from './format.js';
import { LoadPlacements } from './load-placements.js';
import type { LowerBound, OptionCollector } from './plan-choice.js';
import type { PlanKind, PlanOption, PlanStep } from './plan-option.js';
import type { RoundState } from './round-state.js';
import type { PolicyJob, PolicyWorker } from './snapshot.js';
import { WorkerModelMap } from './worker-model-map.js';

/** Workers of one device kind evaluated per job for a model they do not hold (see mostPromising). */
const WORKERS_PER_KIND = 2;

/** Workers that predict alike for a model (same device, same threads). */
export interface SpeedGroup {
  key: string;
  workers: PolicyWorker[];
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
  private readonly promising = new WorkerModelMap<
    { version: number; workers: PolicyWorker[] },
    SpeedGroup
  >();
  private readonly bounds = new Map<string, LowerBound>();
  private boundsJob: PolicyJob | undefined;

  constructor(private readonly round: RoundState) {
    this.loads = new LoadPlacements(round);
  }

  /**
   * Free slots and queues of the loaded (and expected) copies of the job's model. `takeFree`:
   * whether the job may take a free slot (not when the free slots are owed to batch work).
   */
  onCopies(job: PolicyJob, out: OptionCollector, takeFree: boolean): void {
    const r = this.round;
    for (const worker of r.realCopies(job.model)) {
      const loaded = r.plan.loadedModel(worker, job.model)!;
      const ready = takeFree && loaded.busySlots < loaded.slots && r.hasCapacity(worker);
      const startAt = ready ? r.readyStartAt(worker, job.model) : r.slotFreeAt(worker, job.model);
      if (!Number.isFinite(startAt)) continue;
      const kind = ready ? 'ready' : 'wait-slot';
      out.add(this.option(job, worker, kind, loaded.gpuLayers, startAt, [], ready, ''));
    }
    for (const [worker, gpuLayers] of r.virtualCopiesOf(job.model)) {
      const startAt = r.virtualSlotFreeAt(worker, job.model);
      if (!Number.isFinite(startAt)) continue;
      const option = this.option(job, worker, 'wait-slot', gpuLayers, startAt, [], false, '');
      out.add({ ...option, virtual: true });
    }
  }

  /** Loads on workers without a copy of the job's model, cheapest device kinds first. */
  onOtherWorkers(job: PolicyJob, out: OptionCollector, takeFree: boolean): void {
    const ranked = this.groupsFor(job.model)
      .map((group) => ({ group, bound: this.lowerBound(job, group.workers[0]) }))
      .sort((a, b) => a.bound.finishAt - b.bound.finishAt || compareIds(a.group.key, b.group.key));
    for (const { group, bound } of ranked) {
      if (out.canSkip(bound)) {
        const first = group.workers.find((w) => !this.round.plan.loadedModel(w, job.model));
        out.skipped(bound.finishAt, first);
        continue;
      }
      for (const worker of this.mostPromising(group, job.model)) {
        this.onWorker(job, worker, out, takeFree);
        if (out.canSkip(bound)) break;
      }
    }
  }

  /**
   * The earliest first token and finish any worker like this one could offer a job whose model
   * it does not hold: the lightest load, then the job at full residency.
   */
  lowerBound(job: PolicyJob, worker: PolicyWorker): LowerBound {
    const key = this.round.oracle.speedKey(worker);
    if (this.boundsJob !== job) {
      this.boundsJob = job;
      this.bounds.clear();
    }
    let bound = this.bounds.get(key);
    if (!bound) {
      bound = this.computeLowerBound(job, worker);
      this.bounds.set(key, bound);
    }
    return bound;
  }

  private computeLowerBound(job: PolicyJob, worker: PolicyWorker): LowerBound {
    const o = this.round.oracle;
    const start = this.round.now + o.loadMs(job.model, worker, o.minLevel(job.model, worker));
    const { firstTokenMs, runMs } = o.jobMs(job, worker, o.topLevel(job.model, worker));
    return { firstTokenAt: start + firstTokenMs, finishAt: start + runMs };
  }

  private onWorker(
    job: PolicyJob,
    worker: PolicyWorker,
    out: OptionCollector,
    takeFree: boolean,
  ): void {
    for (const p of this.loads.on(worker, job.model, takeFree)) {
      const { kind, gpuLayers, startAt, steps, dispatchNow, note, harmMs } = p;
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
    note: string,
    harmMs = 0,
  ): PlanOption {
    const r = this.round;
    const restore = steps.length === 0 && r.restoresKv(job, worker);
    const share = r.shareOn(worker, job.model, startAt);
    const { firstTokenMs, runMs } = r.oracle.jobMs(job, worker, gpuLayers, restore, share);
    return {
      kind,
      worker,
      gpuLayers,
      startAt,
      firstTokenAt: startAt + firstTokenMs,
      finishAt: startAt + runMs,
      harmMs,
      steps,
      dispatchNow,
      note,
      ...(restore ? { restoresKvMs: r.oracle.restoreMs(job, worker, gpuLayers) } : {}),
    };
  }

  /**
   * The workers of a device kind worth evaluating for a model they do not hold: those with a free
   * slot first, then the most free memory (ties by id). Workers of one kind predict alike, so
   * the others could only offer the same or worse; this keeps a job's cost independent of the
   * fleet's size.
   */
  mostPromising(group: SpeedGroup, model: string): PolicyWorker[] {
    const version = this.round.kindVersion(group.key);
    const cached = this.promising.get(group, model);
    if (cached && cached.version === version) return cached.workers;
    const workers = this.selectPromising(group, model);
    this.promising.set(group, model, { version, workers });
    return workers;
  }

  /** The same among the workers `include` accepts (not cached). */
  selectPromising(
    group: SpeedGroup,
    model: string,
    include: (worker: PolicyWorker) => boolean = () => true,
  ): PolicyWorker[] {
    const r = this.round;
    const best: { worker: PolicyWorker; capacity: boolean; free: number }[] = [];
    for (const worker of group.workers) {
      if (r.plan.loadedModel(worker, model) || !include(worker)) continue;
      const entry = { worker, capacity: r.hasCapacity(worker), free: r.plan.freeMemory(worker) };
      const at = best.findIndex(
        (b) =>
          Number(entry.capacity) - Number(b.capacity) > 0 ||
          (entry.capacity === b.capacity && entry.free > b.free),
      );
      if (at >= 0) best.splice(at, 0, entry);
      else if (best.length < WORKERS_PER_KIND) best.push(entry);
      if (best.length > WORKERS_PER_KIND) best.pop();
    }
    return best.map((b) => b.worker);
  }

  /** The candidates for a model by device kind. */
  groupsFor(model: string): SpeedGroup[] {
    let groups = this.groups.get(model);
    if (!groups) {
      const byKey = new Map<string, PolicyWorker[]>();
      for (const worker of this.round.candidates(model)) {
        const key = this.round.oracle.speedKey(worker);
        const workers = byKey.get(key) ?? [];
        workers.push(worker);
        byKey.set(key, workers);
      }
      groups = [...byKey].map(([key, workers]) => ({ key, workers }));
      this.groups.set(model, groups);
    }
    return groups;
  }
}
