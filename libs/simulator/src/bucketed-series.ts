/** How a bucket sums up the values it saw: the highest, or the time-weighted mean. */
export type BucketMode = 'max' | 'mean';

/**
 * A value over time kept at a fixed resolution, so memory stays bounded however many changes a
 * run records. 'max' keeps each bucket's peak (a memory chart must show every spike); 'mean'
 * keeps its time-weighted average (a queue that is 1 for a millisecond is not a queue of 1).
 */
export class BucketedSeries {
  private readonly values: number[] = [];
  private lastValue = 0;
  private lastAt = 0;

  constructor(
    readonly bucketMs: number,
    readonly mode: BucketMode = 'max',
  ) {}

  /** Records the value from `at` on (`at` never decreases). */
  record(at: number, value: number): void {
    if (this.mode === 'mean') this.integrate(at);
    else {
      const bucket = Math.max(0, Math.floor(at / this.bucketMs));
      while (this.values.length <= bucket) this.values.push(this.lastValue);
      if (value > this.values[bucket]) this.values[bucket] = value;
    }
    this.lastValue = value;
    this.lastAt = Math.max(this.lastAt, at);
  }

  /** [bucket start ms, value] pairs up to `endMs`. */
  points(endMs: number): [number, number][] {
    const buckets = Math.max(1, Math.ceil(endMs / this.bucketMs));
    if (this.mode === 'mean') this.integrate(endMs);
    const out: [number, number][] = [];
    for (let b = 0; b < buckets; b++) {
      let value = b < this.values.length ? this.values[b] : this.lastValue;
      if (this.mode === 'mean' && b < this.values.length) {
        // The last bucket may be cut short by the end of the run.
        const span = Math.min(this.bucketMs, endMs - b * this.bucketMs);
        value = span > 0 ? value / span : this.lastValue;
      }
      out.push([b * this.bucketMs, value]);
    }
    return out;
  }

  /** Adds lastValue × time from lastAt to `at` into the buckets it spans. */
  private integrate(at: number): void {
    let t = this.lastAt;
    while (t < at) {
      let bucket = Math.floor(t / this.bucketMs);
      // At a boundary, t / bucketMs may round down to the bucket t closes: move on, or t never would.
      if ((bucket + 1) * this.bucketMs <= t) bucket++;
      while (this.values.length <= bucket) this.values.push(0);
      const end = Math.min(at, (bucket + 1) * this.bucketMs);
      this.values[bucket] += this.lastValue * (end - t);
      t = end;
    }
    this.lastAt = Math.max(this.lastAt, at);
  }
}
