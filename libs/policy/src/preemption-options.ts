import { classRank } from '#switchyard/contracts';
import { compareIds, formatMs } from './format.js';
import { meetsTargets, type OptionCollector } from './plan-choice.js';
import type { PlacementOptions, SpeedGroup } from './placement-options.js';
import type { PlanOption, PlanStep } from './plan-option.js';
import type { RoundState } from './round-state.js';
import type { PolicyJob, PolicyLoadedModel, PolicyRunningJob, PolicyWorker } from './snapshot.js';

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
   */
  collect(job: PolicyJob, out: OptionCollector, takeFree: boolean): void {
    const r = this.round;
    const rank = classRank(job.priority);
    const victimsOn = (worker: PolicyWorker) =>
      worker.running.filter((run) => r.ledger.mayPreempt(run, rank));
    let met = false;
    for (const worker of r.realCopies(job.model)) {
      const victims = victimsOn(worker);
      const loaded = r.plan.loadedModel(worker, job.model)!;
      const option = this.pauseOnCopy(job, worker, loaded, victims, takeFree);
      if (!option) continue;
      out.add(option);
      met ||= meetsTargets(out.context, option);
    }
    if (met) return;
    for (const group of this.placement.groupsFor(job.model)) {
      if (out.canSkip(this.placement.lowerBound(job, group))) continue;
      for (const worker of this.promisingWithVictims(group, job.model, rank)) {
        const victims = victimsOn(worker);
        const load = this.pauseAndLoad(job, worker, victims, takeFree);
        if (load) out.add(load);
        for (const option of this.pauseAndEvict(job, worker, victims)) out.add(option);
      }
    }
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
    job: PolicyJob,
    worker: PolicyWorker,
    loaded: PolicyLoadedModel,
    victims: PolicyRunningJob[],
    takeFree: boolean,
  ): PlanOption | undefined {
    const r = this.round;
    const copyFree = loaded.busySlots < loaded.slots;
    if (copyFree && takeFree && r.hasCapacity(worker)) return undefined;
    const pool = copyFree ? victims : victims.filter((v) => v.model === job.model);
    const victim = this.cheapest(worker, pool);
    if (!victim) return undefined;
    const startAt = Math.max(this.freedAt(worker, victim), r.readyStartAt(worker, job.model));
    return this.option(job, worker, loaded.gpuLayers, startAt, [this.step(victim, worker)], victim);
  }

  /** Pauses a victim to free a worker slot and loads the job's model into free memory. */
  private pauseAndLoad(
    job: PolicyJob,
    worker: PolicyWorker,
    victims: PolicyRunningJob[],
    takeFree: boolean,
  ): PlanOption | undefined {
    const r = this.round;
    if (takeFree && r.hasCapacity(worker)) return undefined;
    const level = r.levelWithin(worker, job.model, r.plan.freeMemory(worker));
    const victim = this.cheapest(worker, victims);
    if (level === undefined || !victim) return undefined;
    const loadMs = r.oracle.loadMs(job.model, worker, level);
    const memoryBytes = r.oracle.memoryAt(job.model, worker, level);
    // The load runs while the victim stops; the job starts when both are done.
    const startAt = Math.max(this.freedAt(worker, victim), r.commandsFreeAt(worker) + loadMs);
    const steps: PlanStep[] = [
      this.step(victim, worker),
      { type: 'load', gpuLayers: level, memoryBytes, ms: loadMs },
    ];
    return this.option(job, worker, level, startAt, steps, victim);
  }

  /** Pauses every job of one evictable model, to evict it for the job's model once they stop. */
  private pauseAndEvict(
    job: PolicyJob,
    worker: PolicyWorker,
    victims: PolicyRunningJob[],
  ): PlanOption[] {
    const r = this.round;
    const options: PlanOption[] = [];
    for (const loaded of worker.loaded) {
      const runs = r.runningOf(worker, loaded.model);
      if (runs.length === 0 || !runs.every((run) => victims.includes(run))) continue;
      if (r.evictableAt(loaded) > r.now) continue;
      if (worker.running.length - runs.length >= worker.maxConcurrentJobs) continue;
      const batch = runs.filter((run) => run.priority === 'batch').length;
      if (batch > 0 && r.ledger.batchRunning - batch < r.ledger.batchFloorSlots) continue;
      const bytes = r.plan.freeMemory(worker) + loaded.memoryBytes;
      const level = r.levelWithin(worker, job.model, bytes);
      if (level === undefined) continue;
      const reloadMs = r.oracle.loadMs(loaded.model, worker, loaded.gpuLayers);
      const paused = runs.map((run) => ({
        run,
        path: 'recompute' as const,
        costMs: r.pauseCosts(worker, run).recomputeMs,
      }));
      const stoppedAt = Math.max(...paused.map((v) => this.freedAt(worker, v)));
      const startAt =
        Math.max(stoppedAt, r.commandsFreeAt(worker)) + r.oracle.loadMs(job.model, worker, level);
      const harmMs = reloadMs + paused.reduce((sum, v) => sum + v.costMs, 0);
      const share = r.shareOn(worker, job.model, startAt);
      const { firstTokenMs, runMs } = r.oracle.jobMs(job, worker, level, false, share);
      options.push({
        kind: 'pause-evict',
        worker,
        gpuLayers: level,
        startAt,
        firstTokenAt: startAt + firstTokenMs,
        finishAt: startAt + runMs,
        harmMs,
        steps: paused.map((v) => this.step(v, worker)),
        dispatchNow: false,
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

  private option(
    job: PolicyJob,
    worker: PolicyWorker,
    gpuLayers: number,
    startAt: number,
    steps: PlanStep[],
    victim: Victim,
  ): PlanOption {
    const restore = this.round.restoresKv(job, worker);
    const share = this.round.shareOn(worker, job.model, startAt);
    const { firstTokenMs, runMs } = this.round.oracle.jobMs(job, worker, gpuLayers, restore, share);
    return {
      ...(restore ? { restoresKvMs: this.round.oracle.restoreMs(job, worker, gpuLayers) } : {}),
      kind: 'pause',
      worker,
      gpuLayers,
      startAt,
      firstTokenAt: startAt + firstTokenMs,
      finishAt: startAt + runMs,
      harmMs: victim.costMs,
      steps,
      dispatchNow: victim.path === 'recompute',
      note: () =>
        `preempts ${victim.run.priority} job ${victim.run.jobId} (${victim.path}, ${formatMs(victim.costMs)})`,
    };
  }
}
