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
  const count = backlog.length;
  const ranks = new Int8Array(count);
  const servedAt = new Float64Array(count);
  let earliest = Infinity;
  let latest = -Infinity;
  let whole = true;
  for (let i = 0; i < count; i++) {
    const job = backlog[i];
    const at =
      job.submittedAt + ((job.preemptions ?? 0) >= maxPreemptions ? CAPPED_JOB_YIELDS_MS : 0);
    ranks[i] = classRank(job.priority);
    servedAt[i] = at;
    if (!Number.isInteger(at)) whole = false;
    if (at < earliest) earliest = at;
    if (at > latest) latest = at;
  }
  const order =
    whole && count > 0
      ? byWholeKeys(backlog, ranks, servedAt, earliest, latest)
      : byComparison(backlog, ranks, servedAt);
  const sorted = new Array<PolicyJob>(count);
  for (let i = 0; i < count; i++) sorted[i] = backlog[order[i]];
  return sorted;
}

/**
 * Whole-millisecond times (the usual case): class, time and index packed into one number each
 * and sorted natively, then runs of the same class and time put in id order. A window of
 * 10,000 jobs sorted with a comparator took most of a saturated round's sort.
 */
function byWholeKeys(
  backlog: readonly PolicyJob[],
  ranks: Int8Array,
  servedAt: Float64Array,
  earliest: number,
  latest: number,
): ArrayLike<number> {
  const count = backlog.length;
  const span = latest - earliest + 1;
  // classRank is -1 (unknown class) to 2: four values.
  if (4 * span * count >= Number.MAX_SAFE_INTEGER) return byComparison(backlog, ranks, servedAt);
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    keys[i] = ((ranks[i] + 1) * span + (servedAt[i] - earliest)) * count + i;
  }
  keys.sort();
  const order = new Uint32Array(count);
  const groups = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const index = keys[i] % count;
    order[i] = index;
    groups[i] = (keys[i] - index) / count;
  }
  for (let start = 0; start < count;) {
    let end = start + 1;
    while (end < count && groups[end] === groups[start]) end++;
    if (end - start > 16) {
      // A batch submitted at once: many jobs in one millisecond.
      order.subarray(start, end).sort((a, b) => compareIds(backlog[a].id, backlog[b].id));
    } else inIdOrder(backlog, order, start, end);
    start = end;
  }
  return order;
}

/** Puts order[start..end) in id order by insertion (a short run: a sort call costs more). */
function inIdOrder(backlog: readonly PolicyJob[], order: Uint32Array, start: number, end: number) {
  for (let i = start + 1; i < end; i++) {
    const index = order[i];
    let at = i;
    while (at > start && compareIds(backlog[index].id, backlog[order[at - 1]].id) < 0) {
      order[at] = order[at - 1];
      at--;
    }
    order[at] = index;
  }
}

/** The same order by a comparator, for times that are not whole milliseconds. */
function byComparison(
  backlog: readonly PolicyJob[],
  ranks: Int8Array,
  servedAt: Float64Array,
): ArrayLike<number> {
  const order = Array.from({ length: backlog.length }, (_, i) => i);
  return order.sort(
    (a, b) =>
      ranks[a] - ranks[b] || servedAt[a] - servedAt[b] || compareIds(backlog[a].id, backlog[b].id),
  );
}
