import { classRank } from '#switchyard/contracts';
import type { WaitReason } from './action.js';
import { formatBytes } from './format.js';
import {
  bestHarmlessFinish,
  chooseNormal,
  chooseUrgent,
  meetsOnCopy,
  meetsTargets,
  normalTier,
  pastTargets,
  OptionCollector,
  runnerUp,
  wouldMissSla,
  type JobContext,
} from './plan-choice.js';
import { isHarmless, isPreemptive, type PlanOption } from './plan-option.js';
import { PlanReasons } from './plan-reasons.js';
import { PlacementOptions } from './placement-options.js';
import { PreemptionOptions } from './preemption-options.js';
import type { RoundState } from './round-state.js';
import { describeSla, slaTargets } from './sla-targets.js';
import type { PolicyJob } from './snapshot.js';

/**
 * How a job is considered: `full` weighs every option; `ready-only` takes a free slot of a loaded
 * copy or leaves the job for later (batching same-model jobs before anything is evicted).
 */
export type PlacementMode = 'full' | 'ready-only';

/**
 * Jobs that can only wait (no slot they may take, no memory, no preemption) get a predicted place
 * in the queues up to this many per round unless the settings say otherwise (`waitEstimates`);
 * the others wait without an estimate. Placing them changes no action of the round, only the
 * estimates of the jobs behind them, and in a window of 10,000 jobs that is where nearly all the
 * time went. The live scheduler's window by default (128), and it passes its own.
 */
export const DEFAULT_WAIT_ESTIMATES = 128;

/**
 * Places jobs one at a time on the round's plan: collects the options, chooses by the rules of
 * plan-choice, applies the chosen one's steps (preempt, unload, re-offload, load) and dispatches
 * the job, or books the wait it was given so the jobs behind it see the queue.
 */
export class JobPlacer {
  private readonly placement: PlacementOptions;
  private readonly preemption: PreemptionOptions;
  private readonly reasons: PlanReasons;
  /** The waiting jobs' reasons by class rank, in the order they were placed (positions so). */
  private readonly waits: WaitReason[][] = [];
  /** Jobs placed this round while they could only wait (see DEFAULT_WAIT_ESTIMATES). */
  private onlyWaiting = 0;
  private readonly estimates: number;
  private readonly beyondEstimates: string;

  constructor(private readonly round: RoundState) {
    this.placement = new PlacementOptions(round);
    this.preemption = new PreemptionOptions(round, this.placement);
    this.reasons = new PlanReasons(round);
    this.estimates = round.settings.waitEstimates ?? DEFAULT_WAIT_ESTIMATES;
    this.beyondEstimates =
      'no free slot, memory or preemption can start it this round; behind the ' +
      `${this.estimates} waiting jobs the round estimates`;
  }

  /** Places a job; false only in `ready-only` mode when it was left for later. */
  place(job: PolicyJob, mode: PlacementMode): boolean {
    const r = this.round;
    if (!r.oracle.model(job.model) || r.candidates(job.model).length === 0) {
      this.wait(job, `no live worker can serve model ${job.model}`);
      return true;
    }
    const takeFree = r.mayTakeFreeSlot(job);
    const rank = classRank(job.priority);
    if (mode === 'ready-only' && !this.anyReadySlot(job, takeFree)) return false;
    if (
      mode === 'full' &&
      (this.canOnlyWait(job, takeFree) || r.startless.has(job.model, rank, takeFree))
    ) {
      if (this.onlyWaiting >= this.estimates) {
        this.wait(job, this.beyondEstimates);
        return true;
      }
      this.onlyWaiting += 1;
    }
    const context: JobContext = { job, targets: slaTargets(job, r.settings), now: r.now };
    const out = new OptionCollector(context);
    this.placement.onCopies(job, out, takeFree);
    if (mode === 'ready-only') {
      // Batching: a free slot of a loaded copy is taken before any job loads or evicts a model.
      const chosen = chooseNormal(context, out.options);
      if (chosen?.kind !== 'ready') return false;
      if (normalTier(context, chosen, bestHarmlessFinish(out.options)) !== 0) return false;
      this.apply(context, chosen, out, false, true);
      return true;
    }
    // With no slot free anywhere for this model, a job with a copy can only queue behind it.
    const hasCopy = r.copies.hasAnyCopy(job.model);
    // A higher-class job that meets its SLA on a copy takes it before any load (normalTier):
    // the workers without a copy cannot offer anything it would choose.
    const metOnCopy = job.priority !== 'batch' && out.options.some((o) => meetsOnCopy(context, o));
    // Whether every way to start the job now was weighed (see StartlessModels): loads were
    // looked for everywhere or are impossible, and preemption was weighed or is impossible.
    let weighedAll = !metOnCopy;
    if (!metOnCopy && (!hasCopy || (takeFree && r.anyCapacityFor(job.model)))) {
      weighedAll = this.placement.onOtherWorkers(job, out, takeFree);
    }
    let chosen = chooseNormal(context, out.options);
    const urgent = job.priority !== 'batch' && wouldMissSla(context, out.options);
    const mayPreempt = job.priority !== 'batch' && r.ledger.anyVictimFor(rank);
    if (urgent) {
      // A job past its SLA target now is past it on every option: no pause of a copy's job can
      // rescue it (in a long queue most waiting interactive jobs are such; weighing those pauses
      // was a sixth of a window round). Only a preemption that adds a copy may still be chosen,
      // for the jobs queued behind it (queueRelief).
      const late = pastTargets(context);
      if (mayPreempt) this.preemption.collect(job, out, takeFree, !late);
      if (mayPreempt && late) weighedAll = false;
      chosen = chooseUrgent(context, out.options, r.demand.waitingSlaJobs(job.model));
    }
    if (weighedAll && (urgent || !mayPreempt) && !out.options.some((o) => o.dispatchNow)) {
      r.startless.add(job.model, rank, takeFree);
    }
    if (!chosen) {
      this.wait(job, this.unplaceable(job));
      return true;
    }
    this.apply(context, chosen, out, urgent);
    return true;
  }

  /** Every waiting job with its reason, its 1-based position in its class and its estimated start. */
  waiting(): WaitReason[] {
    // Buckets by class, not a sort: the window can be long (and concat, not flat: 40 times
    // faster on 10,000 waits).
    const buckets = this.waits.filter((waits) => waits !== undefined);
    return ([] as WaitReason[]).concat(...buckets);
  }

  /**
   * True when nothing can start the job this round: it may take no free slot (none is left, or
   * those left are owed to batch work), and it cannot preempt (batch work never does; no victim
   * is left for its class). Its only options are queues and waiting for memory.
   */
  private canOnlyWait(job: PolicyJob, takeFree: boolean): boolean {
    const r = this.round;
    const noSlot = !takeFree || r.freeSlots === 0;
    return noSlot && (job.priority === 'batch' || !r.ledger.anyVictimFor(classRank(job.priority)));
  }

  /** Whether some loaded copy of the job's model has a slot it may take now (see onCopies). */
  private anyReadySlot(job: PolicyJob, takeFree: boolean): boolean {
    const r = this.round;
    if (!takeFree || r.freeSlots === 0 || r.startless.hasNoReadySlot(job.model)) return false;
    const any = r.realCopies(job.model).some((worker) => {
      const loaded = r.plan.loadedModel(worker, job.model)!;
      return loaded.busySlots < loaded.slots && r.hasCapacity(worker);
    });
    if (!any) r.startless.addNoReadySlot(job.model);
    return any;
  }

  private apply(
    context: JobContext,
    chosen: PlanOption,
    out: OptionCollector,
    urgent: boolean,
    batching = false,
  ): void {
    const r = this.round;
    const options = out.options;
    const { job } = context;
    const worker = chosen.worker;
    for (const step of chosen.steps) {
      switch (step.type) {
        case 'unload': {
          const loaded = r.plan.loadedModel(worker, step.model)!;
          r.unload(worker, step.model, this.reasons.unload(job, worker, loaded, step.reloadMs));
          break;
        }
        case 'reoffload':
          r.reoffload(
            worker,
            step.model,
            step.gpuLayers,
            step.memoryBytes,
            this.reasons.shrink(job, step),
          );
          break;
        case 'load':
          r.load(
            worker,
            job.model,
            step.gpuLayers,
            step.memoryBytes,
            this.reasons.load(job, chosen, step, options),
          );
          break;
        case 'preempt': {
          const reason = this.reasons.preempt(
            job,
            context.targets,
            chosen,
            step.run,
            step.path,
            step.costMs,
            this.bestHarmless(options),
            this.nextCheapest(context, chosen, options),
          );
          r.preempt(worker, step.run, step.path, reason, chosen.dispatchNow, step.freedAt);
          break;
        }
      }
    }
    const other = runnerUp(chosen, options);
    const note = this.slaNote(context, chosen, urgent) + this.floorNote(job, chosen);
    if (chosen.dispatchNow) {
      const batched = batching ? '; batched onto a loaded copy before any load' : '';
      const reason = this.reasons.dispatch(job, chosen, other, out.bound) + batched + note;
      r.dispatch(worker, job, chosen.finishAt, reason);
      return;
    }
    if (chosen.kind === 'wait-memory' || chosen.kind === 'pause-evict') {
      r.addVirtualCopy(worker, job.model, chosen.gpuLayers, chosen.startAt);
    }
    r.book(worker, job.model, chosen.finishAt);
    this.wait(job, this.reasons.wait(job, chosen, other, out.bound) + note, chosen.startAt);
  }

  /** Says so when a higher-class job misses its SLA anyway, and why nothing was preempted. */
  private slaNote(context: JobContext, chosen: PlanOption, urgent: boolean): string {
    if (!urgent || meetsTargets(context, chosen)) return '';
    const r = this.round;
    const sla = describeSla(context.targets, r.now);
    const why = isPreemptive(chosen)
      ? `no preemption would meet it; this one brings ${context.job.model} another copy for its ` +
        `${r.demand.waitingSlaJobs(context.job.model)} waiting interactive and standard job(s)`
      : r.ledger.anyVictimFor(classRank(context.job.priority))
        ? 'no preemption would meet it, and none is made for a job that misses anyway'
        : 'no lower-class job may be preempted (class, preemption cap or batch floor)';
    return `; misses its SLA (${sla}): ${why}`;
  }

  /** Names the batch floor when a batch job gets a slot the higher classes had to leave to it. */
  private floorNote(job: PolicyJob, chosen: PlanOption): string {
    const r = this.round;
    if (
      job.priority !== 'batch' ||
      !chosen.dispatchNow ||
      r.ledger.batchRunning >= r.ledger.batchFloorSlots
    ) {
      return '';
    }
    return `; batch floor: ${r.ledger.batchFloorSlots} slot(s) of the fleet kept for batch work`;
  }

  private bestHarmless(options: PlanOption[]): PlanOption | undefined {
    return options.filter(isHarmless).sort((a, b) => a.finishAt - b.finishAt)[0];
  }

  /** The runner-up among the harmful options: those meeting the SLA first, then by cost. */
  private nextCheapest(context: JobContext, chosen: PlanOption, options: PlanOption[]) {
    return options
      .filter((o) => o !== chosen && !isHarmless(o))
      .sort(
        (a, b) =>
          Number(meetsTargets(context, b)) - Number(meetsTargets(context, a)) ||
          a.harmMs - b.harmMs ||
          a.finishAt - b.finishAt,
      )[0];
  }

  /** Why a job has no option at all: too large for every budget, or every candidate is full. */
  private unplaceable(job: PolicyJob): string {
    const { oracle } = this.round;
    const candidates = this.round.candidates(job.model);
    const needs = candidates.map((w) =>
      oracle.memoryAt(job.model, w, oracle.minLevel(job.model, w)),
    );
    if (candidates.every((w, i) => w.memoryBudgetBytes < needs[i])) {
      return `${job.model} needs ${formatBytes(Math.min(...needs))}, more than any worker's budget`;
    }
    return `no worker can take ${job.model} now: every candidate is full and none frees memory for it`;
  }

  private wait(job: PolicyJob, reason: string, estimatedStartAt?: number): void {
    const rank = classRank(job.priority);
    // A job of an unknown class has no place in a class: it is not listed.
    if (rank < 0) return;
    const waits = (this.waits[rank] ??= []);
    const wait: WaitReason = { jobId: job.id, reason, position: waits.length + 1 };
    if (estimatedStartAt !== undefined && Number.isFinite(estimatedStartAt)) {
      wait.estimatedStartAt = Math.round(estimatedStartAt);
    }
    waits.push(wait);
  }
}
