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
  const servedAt = (job: PolicyJob) =>
    job.submittedAt + ((job.preemptions ?? 0) >= maxPreemptions ? CAPPED_JOB_YIELDS_MS : 0);
  return [...backlog].sort(
    (a, b) =>
      classRank(a.priority) - classRank(b.priority) ||
      servedAt(a) - servedAt(b) ||
      compareIds(a.id, b.id),
  );
}
