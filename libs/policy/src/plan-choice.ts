import { compareIds } from './format.js';
import { isHarmless, isPreemptive, planScore, type PlanOption } from './plan-option.js';
import { queueRelief } from './queue-relief.js';
import { meetsSla, type SlaTargets } from './sla-targets.js';
import type { PolicyJob, PolicyWorker } from './snapshot.js';

/** A job with its SLA targets and the round's time: what the choice rules read. */
export interface JobContext {
  job: PolicyJob;
  targets: SlaTargets;
  now: number;
}

/**
 * Batch work takes an idle slot rather than queue for a faster device, unless that slot runs it
 * more than this many times slower than the best queue: idle capacity is used, but a job does not
 * spend minutes on a CPU that a GPU would finish in seconds after a short wait. Was 4: on the
 * overloaded scenarios batch jobs then held slow devices 2–4× longer than a short wait for a fast
 * one, and the last of them set the makespan (batch-flood-wide drained 2.1 min sooner at 2).
 */
export const BATCH_PATIENCE = 2;

/** True when the option meets the job's SLA. */
export function meetsTargets(context: JobContext, option: PlanOption): boolean {
  return meetsSla(context.targets, option.firstTokenAt, option.finishAt);
}

/**
 * Tier of an option under the normal rules (0 best). Interactive and standard work goes where it
 * meets its SLA and finishes soonest. Batch work fills the rest: it takes a free slot or free
 * memory that meets its deadline before it waits for a faster device, within BATCH_PATIENCE of
 * `bestFinishAt`, the soonest finish of any harmless option. A load partially offloaded is not
 * such a fill: the slow copy stays for the jobs after this one (on batch-flood-wide about one
 * load in eight was such a copy, some at 6 of 33 layers, and the flood drained 5 minutes
 * later); batch work takes it only like any other option, by its finish.
 */
export function normalTier(context: JobContext, option: PlanOption, bestFinishAt: number): number {
  const meets = meetsTargets(context, option);
  if (context.job.priority !== 'batch') return meets ? (onCopy(option) ? 0 : 1) : 2;
  const patient =
    option.finishAt - context.now <= BATCH_PATIENCE * Math.max(0, bestFinishAt - context.now);
  if (meets && isHarmless(option) && option.dispatchNow && patient && !option.partialLoad) return 0;
  return meets ? 1 : 2;
}

/** True for a slot or the queue of a copy that exists or is planned: no new load. */
function onCopy(option: PlanOption): boolean {
  return option.kind === 'ready' || option.kind === 'wait-slot';
}

/** True for an option on a copy (no new load) that meets the job's SLA: tier 0 of normalTier. */
export function meetsOnCopy(context: JobContext, option: PlanOption): boolean {
  return onCopy(option) && meetsTargets(context, option);
}

/** Deterministic order among equals: score, worker id, then fewer side effects. */
function tieBreak(a: PlanOption, b: PlanOption): number {
  return (
    planScore(a) - planScore(b) ||
    compareIds(a.worker.id, b.worker.id) ||
    a.steps.length - b.steps.length ||
    b.gpuLayers - a.gpuLayers
  );
}

/** The least option by `compare` among those `include` accepts (a scan, not a sort: it runs per job). */
function least(
  options: readonly PlanOption[],
  include: (option: PlanOption) => boolean,
  compare: (a: PlanOption, b: PlanOption) => number,
): PlanOption | undefined {
  let best: PlanOption | undefined;
  for (const option of options) {
    if (include(option) && (!best || compare(option, best) < 0)) best = option;
  }
  return best;
}

/** The soonest finish among the harmless options (what batch patience is measured against). */
export function bestHarmlessFinish(options: readonly PlanOption[]): number {
  let best = Infinity;
  for (const o of options) if (isHarmless(o)) best = Math.min(best, o.finishAt);
  return best;
}

/** The best option under the normal rules: lowest tier, then lowest score (finish + harm). */
export function chooseNormal(
  context: JobContext,
  options: readonly PlanOption[],
): PlanOption | undefined {
  const best = bestHarmlessFinish(options);
  return least(
    options,
    (o) => !isPreemptive(o),
    (a, b) => normalTier(context, a, best) - normalTier(context, b, best) || tieBreak(a, b),
  );
}

/**
 * True when the job's SLA targets are already behind `now`: no option, which starts now at the
 * earliest, can meet them.
 */
export function pastTargets(context: JobContext): boolean {
  const { firstTokenBy, completeBy } = context.targets;
  return (
    (firstTokenBy !== undefined && firstTokenBy < context.now) ||
    (completeBy !== undefined && completeBy < context.now)
  );
}

/** True when no harmless option meets the SLA: the job would miss it without hurting others. */
export function wouldMissSla(context: JobContext, options: readonly PlanOption[]): boolean {
  return !options.some((o) => isHarmless(o) && meetsTargets(context, o));
}

/**
 * The choice for a job that would miss its SLA: the cheapest option that meets it (pausing a
 * lower-class job, shrinking or evicting idle models, by the time each costs others); when none
 * does, the one that finishes soonest counting its cost, without preempting anyone: a pause
 * would only move the miss onto its victim (on hetero-8-overload a quarter of the preemptions
 * were for jobs already late, and the standard jobs they paused missed their SLA in turn).
 */
export function chooseUrgent(
  context: JobContext,
  options: readonly PlanOption[],
  waitingSlaJobs = 0,
): PlanOption | undefined {
  const meeting = least(
    options,
    (o) => !isHarmless(o) && meetsTargets(context, o),
    (a, b) => a.harmMs - b.harmMs || tieBreak(a, b),
  );
  return (
    meeting ??
    queueRelief(options, waitingSlaJobs) ??
    least(options, (o) => !isPreemptive(o), tieBreak)
  );
}

/** The best option on another worker than `chosen`: what it was compared with, for reasons. */
export function runnerUp(
  chosen: PlanOption,
  options: readonly PlanOption[],
): PlanOption | undefined {
  return least(options, (o) => o.worker.id !== chosen.worker.id && !isPreemptive(o), tieBreak);
}

/** Workers the search skipped, with the earliest finish they could have offered. */
export interface SkippedBound {
  finishAt: number;
  workerId: string;
}

/** The earliest first token and finish some workers could offer the job. */
export interface LowerBound {
  firstTokenAt: number;
  finishAt: number;
}

/** Options of one job, with the bounds that let the search skip devices that cannot beat them. */
export class OptionCollector {
  readonly options: PlanOption[] = [];
  /** The best of the skipped workers, for reasons. */
  bound: SkippedBound | undefined;
  private harmlessBest = Infinity;
  private bestScore = Infinity;
  private anyMeets = false;

  constructor(readonly context: JobContext) {}

  /** Adds an option. */
  add(option: PlanOption): void {
    this.options.push(option);
    const score = planScore(option);
    this.bestScore = Math.min(this.bestScore, score);
    const meets = meetsTargets(this.context, option);
    this.anyMeets ||= meets;
    // A harmless option that meets the SLA bounds the search (for batch work, only one that
    // starts now): no worker that cannot beat it needs to be looked at.
    const nowOrQueue = this.context.job.priority !== 'batch' || option.dispatchNow;
    if (meets && nowOrQueue && isHarmless(option)) {
      this.harmlessBest = Math.min(this.harmlessBest, score);
    }
  }

  /** Records that the workers from `worker` on were skipped, none finishing before `finishAt`. */
  skipped(finishAt: number, worker: PolicyWorker | undefined): void {
    if (worker && (!this.bound || finishAt < this.bound.finishAt)) {
      this.bound = { finishAt, workerId: worker.id };
    }
  }

  /**
   * True when no option within `lower` can be chosen over what is collected: it cannot beat the
   * best harmless choice; or it cannot meet the SLA while another option does, or while it cannot
   * beat the best score either (what is chosen when nothing meets the SLA).
   */
  canSkip(lower: LowerBound): boolean {
    if (lower.finishAt >= this.harmlessBest) return true;
    if (meetsSla(this.context.targets, lower.firstTokenAt, lower.finishAt)) return false;
    return this.anyMeets || lower.finishAt >= this.bestScore;
  }
}
