import type { LevelMeasurement, ThreadedMeasurement } from './profile.js';

/** Where a prediction came from, best first. */
export type PredictionSource = 'measured' | 'interpolated' | 'calibrated' | 'formula';

/** A predicted figure and its source (for explanations; the scheduler only reads value). */
export interface Prediction {
  value: number;
  source: PredictionSource;
}

/** How one figure of a profile is looked up for a query. */
export interface SeriesLookup {
  /** The offload level asked for, already resolved by the device (0 on a CPU). */
  gpuLayers: number;
  /** The host threads asked for; undefined for figures that do not depend on threads. */
  threads?: number;
  /** GPU-resident weight bytes at a level: the axis interpolation runs along. */
  gpuBytesAt: (gpuLayers: number) => number;
  /** The formula's figure at a level and thread count. */
  formulaAt: (gpuLayers: number, threads: number | undefined) => number;
  /**
   * 'rate' for per-second figures, interpolated as their reciprocal (time per token is what is
   * linear in the bytes moved), 'duration' for times, interpolated as they are.
   */
  scale: 'rate' | 'duration';
}

function threadsOf(point: LevelMeasurement): number | undefined {
  return (point as Partial<ThreadedMeasurement>).threads;
}

function linear(scale: SeriesLookup['scale'], lo: number, hi: number, t: number): number {
  if (scale === 'duration') return lo + (hi - lo) * t;
  return 1 / (1 / lo + (1 / hi - 1 / lo) * t);
}

/**
 * A profile figure for a query: measured at that level and thread count; else interpolated
 * between the nearest measured levels on each side (same threads) along GPU-resident bytes; else
 * the formula scaled by measured / formula at the nearest measured point (same threads first,
 * then nearest in bytes, then in threads), so one measurement calibrates the whole curve; else
 * the formula.
 */
export function predictFromSeries(
  series: readonly LevelMeasurement[],
  lookup: SeriesLookup,
): Prediction {
  const { gpuLayers, threads, gpuBytesAt, formulaAt, scale } = lookup;
  const sameThreads = series.filter((p) => threadsOf(p) === threads);
  const exact = sameThreads.find((p) => p.gpuLayers === gpuLayers);
  if (exact !== undefined) return { value: exact.value, source: 'measured' };

  const x = gpuBytesAt(gpuLayers);
  const below = sameThreads
    .filter((p) => p.gpuLayers < gpuLayers)
    .sort((a, b) => b.gpuLayers - a.gpuLayers)[0];
  const above = sameThreads
    .filter((p) => p.gpuLayers > gpuLayers)
    .sort((a, b) => a.gpuLayers - b.gpuLayers)[0];
  if (below !== undefined && above !== undefined) {
    const xBelow = gpuBytesAt(below.gpuLayers);
    const xAbove = gpuBytesAt(above.gpuLayers);
    const t = xAbove === xBelow ? 0 : (x - xBelow) / (xAbove - xBelow);
    return { value: linear(scale, below.value, above.value, t), source: 'interpolated' };
  }

  const formula = formulaAt(gpuLayers, threads);
  const nearest = [...series].sort(
    (a, b) =>
      Number(threadsOf(a) !== threads) - Number(threadsOf(b) !== threads) ||
      Math.abs(gpuBytesAt(a.gpuLayers) - x) - Math.abs(gpuBytesAt(b.gpuLayers) - x) ||
      Math.abs((threadsOf(a) ?? 0) - (threads ?? 0)) -
        Math.abs((threadsOf(b) ?? 0) - (threads ?? 0)),
  )[0];
  if (nearest === undefined) return { value: formula, source: 'formula' };
  const ratio = nearest.value / formulaAt(nearest.gpuLayers, threadsOf(nearest));
  return { value: formula * ratio, source: 'calibrated' };
}
