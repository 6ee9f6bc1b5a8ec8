import { isHarmless, planScore, type PlanOption } from './plan-option.js';

/**
 * For a higher-class job that misses its SLA whatever is done: the preemption that brings its
 * model a new copy (pausing the jobs of a model to evict it, or pausing one to load into free
 * memory), when it finishes the job sooner than every harmless option by enough that the model's
 * interactive and standard jobs waiting in the window (`waitingSlaJobs`, this one included),
 * each served sooner by the new copy too, repay what it costs others. The soonest such copy;
 * undefined when none pays. A job that misses anyway makes no other preemption (chooseUrgent).
 *
 * On hetero-8-overload most interactive misses were llama-3-70b jobs queued for one or two
 * copies: a load of 70 B takes longer than the first-token SLA, so no single job's preemption
 * met it, none was made, and nothing added a copy while the queue grew.
 */
export function queueRelief(
  options: readonly PlanOption[],
  waitingSlaJobs: number,
): PlanOption | undefined {
  let harmlessFinish = Infinity;
  for (const o of options) if (isHarmless(o)) harmlessFinish = Math.min(harmlessFinish, o.finishAt);
  let best: PlanOption | undefined;
  for (const o of options) {
    if (!addsCopy(o)) continue;
    const gainMs = (harmlessFinish - o.finishAt) * waitingSlaJobs;
    if (!(gainMs > o.harmMs)) continue;
    if (!best || planScore(o) < planScore(best)) best = o;
  }
  return best;
}

/** True for a preemptive option that loads a new copy of the job's model. */
function addsCopy(option: PlanOption): boolean {
  if (option.kind === 'pause-evict') return true;
  return option.kind === 'pause' && option.steps.some((s) => s.type === 'load');
}
