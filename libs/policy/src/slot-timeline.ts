/**
 * When each slot of a worker (or of one model on it) is predicted to be free, ascending. Jobs
 * booked on it push its times forward, which is how a round accounts for the queue ahead of a job.
 */
export class SlotTimeline {
  private readonly times: number[];

  /** `busyUntil`: predicted ends of the jobs running there; slots beyond them are free at `from`. */
  constructor(slots: number, busyUntil: readonly number[], from: number) {
    if (slots <= 0) {
      this.times = [];
      return;
    }
    const free = Math.max(0, slots - busyUntil.length);
    this.times = new Array<number>(free).fill(from);
    if (busyUntil.length === 0) return;
    // A worker runs a handful of jobs: insertion in order, no sorted copy (a round builds a
    // timeline for every worker and copy it looks at).
    const times = this.times;
    for (const end of busyUntil) {
      let at = times.length;
      times.push(end);
      while (at > free && times[at - 1] > end) {
        times[at] = times[at - 1];
        at--;
      }
      times[at] = end;
    }
    // More jobs than slots (the cap was lowered): a slot frees only when the excess has left.
    if (times.length > slots) times.splice(free, times.length - slots);
  }

  /** When the first slot is free; Infinity when there are none. */
  get earliest(): number {
    return this.times[0] ?? Infinity;
  }

  /** When every slot is free. */
  get latest(): number {
    return this.times.at(-1) ?? Infinity;
  }

  /** Books the earliest slot until `end`. */
  take(end: number): void {
    if (this.times.length === 0) return;
    this.times.shift();
    this.insert(end);
  }

  /** Moves the slot busy until `until` (a preempted job's) to free at `at`. */
  release(until: number, at: number): void {
    const index = this.times.indexOf(until);
    if (index < 0) return;
    this.times.splice(index, 1);
    this.insert(at);
  }

  private insert(time: number): void {
    const index = this.times.findIndex((t) => t > time);
    this.times.splice(index < 0 ? this.times.length : index, 0, time);
  }
}
