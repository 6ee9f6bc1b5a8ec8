import { classRank } from '#switchyard/contracts';
import { compareIds, formatMs } from './format.js';
import { meetsTargets, type OptionCollector } from './plan-choice.js';
import type { PlacementOptions, SpeedGroup } from './placement-options.js';
import type { PlanOption, PlanStep } from './plan-option.js';
import type { RoundState } from './round-state.js';
import type { PolicyJob, PolicyLoadedModel, PolicyRunningJob, PolicyWorker } from './snapshot.js';
import { WorkerModelMap } from './worker-model-map.js';

/**
 * A preemptive option on one worker without its job: kind, level, start, cost to others, steps.
 * `restore`: whether the job may resume from its KV state there (a pause on its copy, not a load).
 */
interface Pause extends Pick<
  PlanOption,
  | 'kind'
  | 'worker'
  | 'gpuLayers'
  | 'startAt'
  | 'harmMs'
  | 'steps'
  | 'dispatchNow'
  | 'note'
  | 'evicts'
> {
  restore: boolean;
}

/** The pauses prepared on a worker for a model, and what they were prepared for. */
interface Prepared {
  version: number;
  rank: number;
  takeFree: boolean;
  batchRunning: number;
  pauses: Pause[];
}

/** A running job that could be paused, with the cheaper way to do it. */
interface Victim {
  run: PolicyRunningJob;
  path: 'keep-kv' | 'recompute';
  costMs: number;
}

/**
 * The options that preempt lower-class work for a job that would miss its SLA. `pause` stops one
 * job whose model stays loaded (keeping its KV state or recomputing it, whichever costs less);
 * the job is dispatched into the freed slot in the same decision only when the slot is free as
 * soon as the victim stops (recompute), and otherwise waits for it (keep-kv holds the slot while
 * the state is saved). `pause-evict` stops every job of an evictable model so that it can be
 * evicted for the job's model once they have stopped; the job waits for that.
 */
export class PreemptionOptions {
  /** Pauses on copies of the job's model, and on the other workers, per worker and model. */
  private readonly onCopies = new WorkerModelMap<Prepared>();
  private readonly onOthers = new WorkerModelMap<Prepared>();
  private readonly promising = new Map<
    SpeedGroup,
    { version: number; rank: number; batchOk: boolean; workers: PolicyWorker[] }
  >();

  constructor(
    private readonly round: RoundState,
    private readonly placement: PlacementOptions,
  ) {}

  /**
   * Adds the preemptive options: on the workers holding a copy of the job's model first; on the
   * others (which must load it) only while no pause on a copy meets the SLA, only on device kinds
   * whose lower bound could still be chosen, and on their most promising workers. `takeFree`
   * false when the free slots are owed to batch work (then a pause frees one even where one is).
   * `onCopies` false skips the pauses on copies (for a job that can no longer meet its SLA).
   */
  collect(job: PolicyJob, out: OptionCollector, takeFree: boolean, onCopies = true): void {
    const r = this.round;
    const rank = classRank(job.priority);
    let met = false;
    for (const worker of onCopies ? r.realCopies(job.model) : []) {
      const { pauses } = this.prepared(this.onCopies, worker, job.model, rank, takeFree);
      if (pauses.length === 0) continue;
      const option = this.option(job, pauses[0]);
      out.add(option);
      met ||= meetsTargets(out.context, option);
    }
    if (met) return;
    for (const group of this.placement.groupsFor(job.model)) {
      if (out.canSkip(this.placement.lowerBound(job, group))) continue;
      for (const worker of this.promisingWithVictims(group, job.model, rank)) {
        const { pauses } = this.prepared(this.onOthers, worker, job.model, rank, takeFree);
        for (const pause of pauses) out.add(this.option(job, pause));
      }
    }
  }

  /**
   * What preempting on the worker for a job of `model` and `rank` would do, whatever the job:
   * kept while the worker's slots, memory and loads, and the batch jobs running, stay the same.
   */
  private prepared(
    cache: WorkerModelMap<Prepared>,
    worker: PolicyWorker,
    model: string,
    rank: number,
    takeFree: boolean,
  ): Prepared {
    const r = this.round;
    const version = r.stateVersion(worker);
    const batchRunning = r.ledger.batchRunning;
    const cached = cache.get(worker, model);
    if (
      cached &&
      cached.version === version &&
      cached.rank === rank &&
      cached.takeFree === takeFree &&
      cached.batchRunning === batchRunning
    ) {
      return cached;
    }
    const victims = worker.running.filter((run) => r.ledger.mayPreempt(run, rank));
    const pauses: Pause[] = [];
    if (cache === this.onCopies) {
      const loaded = r.plan.loadedModel(worker, model)!;
      const pause = this.pauseOnCopy(worker, model, loaded, victims, takeFree);
      if (pause) pauses.push(pause);
    } else {
      const load = this.pauseAndLoad(worker, model, victims, takeFree);
      if (load) pauses.push(load);
      pauses.push(...this.pauseAndEvict(worker, model, victims));
    }
    const entry = { version, rank, takeFree, batchRunning, pauses };
    cache.set(worker, model, entry);
    return entry;
  }

  /**
   * The most promising workers of a group with a job a job of `rank` may preempt. Kept until a
   * worker of the kind changes or batch work reaches its floor (what may be preempted changes
   * only then).
   */
  private promisingWithVictims(group: SpeedGroup, model: string, rank: number) {
    const r = this.round;
    const version = r.kindVersion(group.key);
    const batchOk = r.ledger.batchMayYield();
    const cached = this.promising.get(group);
    if (
      cached &&
      cached.version === version &&
      cached.rank === rank &&
      cached.batchOk === batchOk
    ) {
      return cached.workers;
    }
    const hasVictims = (worker: PolicyWorker) =>
      worker.running.some((run) => r.ledger.mayPreempt(run, rank));
    const workers = this.placement.selectPromising(group, model, hasVictims);
    this.promising.set(group, { version, rank, batchOk, workers });
    return workers;
  }

  /** Frees a slot of a loaded copy (or of the worker) by pausing the cheapest victim. */
  private pauseOnCopy(
    worker: PolicyWorker,
    model: string,
    loaded: PolicyLoadedModel,
    victims: PolicyRunningJob[],
    takeFree: boolean,
  ): Pause | undefined {
    const r = this.round;
    const copyFree = loaded.busySlots < loaded.slots;
    if (copyFree && takeFree && r.hasCapacity(worker)) return undefined;
    const pool = copyFree ? victims : victims.filter((v) => v.model === model);
    const victim = this.cheapest(worker, pool);
    if (!victim) return undefined;
    const startAt = Math.max(this.freedAt(worker, victim), r.readyStartAt(worker, model));
    return this.pause(worker, loaded.gpuLayers, startAt, [this.step(victim, worker)], victim);
  }

  /** Pauses a victim to free a worker slot and loads the job's model into free memory. */
  private pauseAndLoad(
    worker: PolicyWorker,
    model: string,
    victims: PolicyRunningJob[],
    takeFree: boolean,
  ): Pause | undefined {
    const r = this.round;
    if (takeFree && r.hasCapacity(worker)) return undefined;
    const level = r.levelWithin(worker, model, r.plan.freeMemory(worker));
    const victim = this.cheapest(worker, victims);
    if (level === undefined || !victim) return undefined;
    const loadMs =
      r.oracle.loadMs(model, worker, level) + r.oracle.coldExtraMs(model, worker, level);
    const memoryBytes = r.oracle.memoryAt(model, worker, level);
    // The load runs while the victim stops; the job starts when both are done.
    const startAt = Math.max(this.freedAt(worker, victim), r.commandsFreeAt(worker) + loadMs);
    const steps: PlanStep[] = [
      this.step(victim, worker),
      { type: 'load', gpuLayers: level, memoryBytes, ms: loadMs },
    ];
    return this.pause(worker, level, startAt, steps, victim);
  }

  /** Pauses every job of one evictable model, to evict it for the job's model once they stop. */
  private pauseAndEvict(worker: PolicyWorker, model: string, victims: PolicyRunningJob[]): Pause[] {
    const r = this.round;
    const options: Pause[] = [];
    for (const loaded of worker.loaded) {
      const runs = r.runningOf(worker, loaded.model);
      if (runs.length === 0 || !runs.every((run) => victims.includes(run))) continue;
      if (r.evictableAt(loaded) > r.now) continue;
      if (worker.running.length - runs.length >= worker.maxConcurrentJobs) continue;
      const batch = runs.filter((run) => run.priority === 'batch').length;
      if (batch > 0 && r.ledger.batchRunning - batch < r.ledger.batchFloorSlots) continue;
      const bytes = r.plan.freeMemory(worker) + loaded.memoryBytes;
      const level = r.levelWithin(worker, model, bytes);
      if (level === undefined) continue;
      const reloadMs = r.oracle.loadMs(loaded.model, worker, loaded.gpuLayers);
      const paused = runs.map((run) => ({
        run,
        path: 'recompute' as const,
        costMs: r.pauseCosts(worker, run).recomputeMs,
      }));
      const stoppedAt = Math.max(...paused.map((v) => this.freedAt(worker, v)));
      const startAt =
        Math.max(stoppedAt, r.commandsFreeAt(worker)) +
        r.oracle.loadMs(model, worker, level) +
        r.oracle.coldExtraMs(model, worker, level);
      const harmMs = reloadMs + paused.reduce((sum, v) => sum + v.costMs, 0);
      options.push({
        kind: 'pause-evict',
        worker,
        gpuLayers: level,
        startAt,
        harmMs,
        steps: paused.map((v) => this.step(v, worker)),
        dispatchNow: false,
        restore: false,
        note: () =>
          `evicts ${loaded.model} (reload ${formatMs(reloadMs)}) once ` +
          `${paused.map((v) => `${v.run.priority} job ${v.run.jobId}`).join(', ')} stopped`,
        evicts: { model: loaded.model, reloadMs },
      });
    }
    return options;
  }

  /** The victim that costs least to pause: then the lowest class, then the id. */
  private cheapest(worker: PolicyWorker, runs: PolicyRunningJob[]): Victim | undefined {
    return runs
      .map((run): Victim => {
        const costs = this.round.pauseCosts(worker, run);
        return costs.keepKvMs <= costs.recomputeMs
          ? { run, path: 'keep-kv', costMs: costs.keepKvMs }
          : { run, path: 'recompute', costMs: costs.recomputeMs };
      })
      .sort(
        (a, b) =>
          a.costMs - b.costMs ||
          classRank(b.run.priority) - classRank(a.run.priority) ||
          compareIds(a.run.jobId, b.run.jobId),
      )[0];
  }

  /** When the victim's slot is free: at its next token, after saving its KV state if kept. */
  private freedAt(worker: PolicyWorker, victim: Victim): number {
    const save = victim.path === 'keep-kv' ? victim.costMs / 2 : 0;
    return this.round.now + this.round.times.stopMs(worker, victim.run) + save;
  }

  private step(victim: Victim, worker: PolicyWorker): PlanStep {
    const { run, path, costMs } = victim;
    return { type: 'preempt', run, path, costMs, freedAt: this.freedAt(worker, victim) };
  }

  /** A pause of one victim on the worker, the job starting at `startAt`. */
  private pause(
    worker: PolicyWorker,
    gpuLayers: number,
    startAt: number,
    steps: PlanStep[],
    victim: Victim,
  ): Pause {
    return {
      kind: 'pause',
      worker,
      gpuLayers,
      startAt,
      harmMs: victim.costMs,
      steps,
      dispatchNow: victim.path === 'recompute',
      restore: true,
      note: () =>
        `preempts ${victim.run.priority} job ${victim.run.jobId} (${victim.path}, ${formatMs(victim.costMs)})`,
      evicts: undefined,
    };
  }

  /** The option a prepared pause gives the job: its times there. */
  private option(job: PolicyJob, pause: Pause): PlanOption {
    const r = this.round;
    const { worker, gpuLayers, startAt } = pause;
    const costs = r.oracle.costs(job.model, worker);
    const restore = pause.restore && r.restoresKv(job, worker);
    const share = r.shareOn(worker, job.model, startAt);
    const { firstTokenMs, runMs } = costs.jobMs(job, gpuLayers, restore, share);
    return {
      kind: pause.kind,
      worker,
      gpuLayers,
      startAt,
      firstTokenAt: startAt + firstTokenMs,
      finishAt: startAt + runMs,
      harmMs: pause.harmMs,
      steps: pause.steps,
      dispatchNow: pause.dispatchNow,
      virtual: undefined,
      note: pause.note,
      restoresKvMs: restore ? costs.restoreMs(job, gpuLayers) : undefined,
      evicts: pause.evicts,
    };
  }
}
