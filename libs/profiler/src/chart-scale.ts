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

  /** A log scale over [min, max] (both > 0) widened to 1-2-5 values, onto the pixels [from, to]. */
  static log(min: number, max: number, from: number, to: number): ChartScale {
    if (!(min > 0 && max > 0))
      throw new RangeError(`a log scale needs positive bounds (${min}, ${max})`);
    return new ChartScale('log', roundDown125(min), roundUp125(max), from, to);
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
      const first = 10 ** Math.floor(Math.log10(this.min) + 1e-9);
      for (let decade = first; decade <= this.max * 1.0001; decade *= 10) {
        for (const step of steps) {
          const tick = Number((decade * step).toPrecision(6));
          if (tick >= this.min * 0.9999 && tick <= this.max * 1.0001) ticks.push(tick);
        }
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

const STEPS_125 = [1, 2, 5, 10];

/** The largest 1, 2 or 5 × 10^k not above value. */
function roundDown125(value: number): number {
  const decade = 10 ** Math.floor(Math.log10(value) + 1e-9);
  const step = [...STEPS_125].reverse().find((s) => s * decade <= value * 1.0001) ?? 1;
  return Number((step * decade).toPrecision(6));
}

/** The smallest 1, 2 or 5 × 10^k not below value. */
function roundUp125(value: number): number {
  const decade = 10 ** Math.floor(Math.log10(value) + 1e-9);
  const step = STEPS_125.find((s) => s * decade >= value * 0.9999) ?? 10;
  return Number((step * decade).toPrecision(6));
}
