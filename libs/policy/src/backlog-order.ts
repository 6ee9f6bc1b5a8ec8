import { classRank } from '#switchyard/contracts';
import { compareIds } from './format.js';
import type { PolicyJob } from './snapshot.js';

/** How much younger than it a job that can no longer be preempted lets pass ahead of it (ms). */
export const CAPPED_JOB_YIELDS_MS = 60_000;

/**
 * The window as the queue serves it: interactive, standard, batch; oldest first inside a class.
 * A job preempted `maxPreemptions` times runs to its end once started, so it takes a slot that
 * urgent work could not get back: it lets jobs of its class up to CAPPED_JOB_YIELDS_MS younger
 * go first (those can still be paused), and no more, so it is delayed but never starved.
 */
export function byClassAndAge(
  backlog: readonly PolicyJob[],
  maxPreemptions = Number.POSITIVE_INFINITY,
): PolicyJob[] {
  // The keys once per job, then a sort of indices over typed arrays: the window can hold 10,000
  // jobs, and computing them in the comparator took most of a saturated round's sort.
  const count = backlog.length;
  const ranks = new Int8Array(count);
  const servedAt = new Float64Array(count);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const job = backlog[i];
    ranks[i] = classRank(job.priority);
    servedAt[i] =
      job.submittedAt + ((job.preemptions ?? 0) >= maxPreemptions ? CAPPED_JOB_YIELDS_MS : 0);
    order[i] = i;
  }
  order.sort(
    (a, b) =>
      ranks[a] - ranks[b] || servedAt[a] - servedAt[b] || compareIds(backlog[a].id, backlog[b].id),
  );
  const sorted = new Array<PolicyJob>(count);
  for (let i = 0; i < count; i++) sorted[i] = backlog[order[i]];
  return sorted;
}
