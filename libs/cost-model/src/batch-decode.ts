import type { BatchDecodeMeasurement } from './profile.js';

/** The share of a single decode step each extra sequence adds, and whether it was measured here. */
export interface BatchExtraShare {
  share: number;
  /** True when measured at the asked level and thread count, false when taken from the nearest. */
  exact: boolean;
}

/**
 * The share of a single step each sequence beyond the first adds to a batched step, from
 * measured batches: a least-squares line through the origin of step(n) / step(1) − 1 (= single
 * rate / each sequence's rate − 1) against n − 1, over the points at the asked level and thread
 * count, else at the nearest measured one (same threads first, then nearest in GPU bytes, then in
 * threads). Undefined when there is no point; never below 0 (a batch step is not shorter).
 */
export function batchExtraShare(
  points: readonly BatchDecodeMeasurement[],
  gpuLayers: number,
  threads: number,
  gpuBytesAt: (gpuLayers: number) => number,
): BatchExtraShare | undefined {
  const x = gpuBytesAt(gpuLayers);
  const nearest = [...points].sort(
    (a, b) =>
      Number(a.threads !== threads) - Number(b.threads !== threads) ||
      Math.abs(gpuBytesAt(a.gpuLayers) - x) - Math.abs(gpuBytesAt(b.gpuLayers) - x) ||
      Math.abs(a.threads - threads) - Math.abs(b.threads - threads),
  )[0];
  if (nearest === undefined) return undefined;
  let num = 0;
  let den = 0;
  for (const p of points) {
    if (p.gpuLayers !== nearest.gpuLayers || p.threads !== nearest.threads) continue;
    num += (p.singleTokensPerSecond / p.value - 1) * (p.sequences - 1);
    den += (p.sequences - 1) ** 2;
  }
  return {
    share: Math.max(0, num / den),
    exact: nearest.gpuLayers === gpuLayers && nearest.threads === threads,
  };
}
