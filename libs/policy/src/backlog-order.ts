import { classRank } from '#switchyard/contracts';
import { compareIds } from './format.js';
import type { PolicyJob } from './snapshot.js';

/** How much younger than it a job that can no longer be preempted lets pass ahead of it (ms). */
export const CAPPED_JOB_YIELDS_MS = 60_000;

/** Windows up to this many jobs are sorted by comparison, longer ones by radix (same order). */
const SHORT_WINDOW = 512;

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
  // A short window (the live scheduler's is 128 jobs) sorts faster by comparison.
  const order =
    whole && count > SHORT_WINDOW
      ? byWholeKeys(backlog, ranks, servedAt, earliest, latest)
      : byComparison(backlog, ranks, servedAt);
  const sorted = new Array<PolicyJob>(count);
  for (let i = 0; i < count; i++) sorted[i] = backlog[order[i]];
  return sorted;
}

/**
 * Whole-millisecond times within weeks of each other (the usual case): class and time packed
 * into one 32-bit key per job, radix-sorted (stable, so equal keys keep the window's order),
 * then runs of the same class and time put in id order. A window of 10,000 jobs sorted with a
 * comparator took most of a saturated round's sort, and natively as doubles a millisecond.
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
  if (4 * span > 2 ** 32) return byComparison(backlog, ranks, servedAt);
  const keys = new Uint32Array(count);
  let largest = 0;
  for (let i = 0; i < count; i++) {
    keys[i] = (ranks[i] + 1) * span + (servedAt[i] - earliest);
    if (keys[i] > largest) largest = keys[i];
  }
  const order = radixOrder(keys, largest);
  for (let start = 0; start < count;) {
    let end = start + 1;
    while (end < count && keys[order[end]] === keys[order[start]]) end++;
    if (end - start > 16) {
      // A batch submitted at once: many jobs in one millisecond.
      order.subarray(start, end).sort((a, b) => compareIds(backlog[a].id, backlog[b].id));
    } else inIdOrder(backlog, order, start, end);
    start = end;
  }
  return order;
}

/** Indices 0..n-1 by their key, stably: an LSD radix sort, 11 bits a pass. */
function radixOrder(keys: Uint32Array, largest: number): Uint32Array {
  const count = keys.length;
  let order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let next = new Uint32Array(count);
  const buckets = new Uint32Array(2048);
  for (let shift = 0; shift < 32 && largest >>> shift > 0; shift += 11) {
    buckets.fill(0);
    for (let i = 0; i < count; i++) buckets[(keys[order[i]] >>> shift) & 2047]++;
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const size = buckets[b];
      buckets[b] = sum;
      sum += size;
    }
    for (let i = 0; i < count; i++) {
      const index = order[i];
      next[buckets[(keys[index] >>> shift) & 2047]++] = index;
    }
    [order, next] = [next, order];
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
