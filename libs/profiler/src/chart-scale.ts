/**
 * A map from data values to pixels, linear or logarithmic (base 10), with tick values at round
 * numbers: 1-2-5 steps in each decade for log scales, 1-2-5 × 10^k steps for linear ones.
 */
export class ChartScale {
  private constructor(
    readonly kind: 'linear' | 'log',
    readonly min: number,
    readonly max: number,
    private readonly from: number,
    private readonly to: number,
  ) {}

  /** A linear scale over [min, max] onto the pixels [from, to]. */
  static linear(min: number, max: number, from: number, to: number): ChartScale {
    return new ChartScale('linear', min, max === min ? min + 1 : max, from, to);
  }

  /** A log scale over the decades around [min, max] (both > 0) onto the pixels [from, to]. */
  static log(min: number, max: number, from: number, to: number): ChartScale {
    if (!(min > 0 && max > 0))
      throw new RangeError(`a log scale needs positive bounds (${min}, ${max})`);
    const lo = 10 ** Math.floor(Math.log10(min));
    const hi = 10 ** Math.ceil(Math.log10(max) + 1e-9);
    return new ChartScale('log', lo, hi, from, to);
  }

  /** The pixel of a value (log scales clamp values ≤ 0 to their minimum). */
  map(value: number): number {
    const t =
      this.kind === 'linear'
        ? (value - this.min) / (this.max - this.min)
        : (Math.log10(Math.max(value, this.min)) - Math.log10(this.min)) /
          (Math.log10(this.max) - Math.log10(this.min));
    return this.from + t * (this.to - this.from);
  }

  /** Tick values inside the scale, at most about `count` of them on a linear scale. */
  ticks(count = 6): number[] {
    if (this.kind === 'log') {
      const ticks: number[] = [];
      const decades = Math.log10(this.max / this.min);
      const steps = decades > 4 ? [1] : decades > 2 ? [1, 3] : [1, 2, 5];
      for (let decade = this.min; decade <= this.max * 1.0001; decade *= 10) {
        for (const step of steps) if (decade * step <= this.max * 1.0001) ticks.push(decade * step);
      }
      return ticks;
    }
    const raw = (this.max - this.min) / count;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((s) => s * magnitude).find((s) => s >= raw) ?? raw;
    const ticks: number[] = [];
    for (let v = Math.ceil(this.min / step) * step; v <= this.max + step * 1e-9; v += step) {
      ticks.push(Math.round(v / step) * step);
    }
    return ticks;
  }
}

/** A tick label: 1k, 20k, 0.5, 300. */
export function tickLabel(value: number): string {
  if (value >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (value >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}
