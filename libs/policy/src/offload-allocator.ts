/** One model competing for a device's memory: its candidate levels, their bytes and the cost at each. */
export interface OffloadCandidate {
  model: string;
  /** GPU-layer counts, ascending; the first is where the allocation starts. */
  levels: readonly number[];
  /** Budget bytes at each level (non-decreasing). */
  bytes: readonly number[];
  /** What serving the model's demand costs at each level (lower is better; see offload-candidate). */
  cost: readonly number[];
}

/**
 * Shares a device's memory among models by greedy marginal gain per byte: every model starts at
 * its lowest level, then the move that saves the most cost per extra byte is taken, again and
 * again, while it fits. A move may skip levels (the chord to any higher level is compared), so a
 * curve that gains little per layer and much at the output layer is still climbed. A small,
 * sensitive model saves more per byte than a large one and reaches full residency first.
 * Returns the chosen index into `levels` per candidate, or undefined when not even the lowest
 * levels fit. Ties go to the larger saving, then to the earlier candidate.
 */
export function allocateOffload(
  candidates: readonly OffloadCandidate[],
  budgetBytes: number,
): number[] | undefined {
  const chosen = candidates.map(() => 0);
  let used = candidates.reduce((sum, c) => sum + c.bytes[0], 0);
  if (used > budgetBytes) return undefined;
  for (;;) {
    const move = bestMove(candidates, chosen, budgetBytes - used);
    if (!move) return chosen;
    used += move.extraBytes;
    chosen[move.candidate] = move.index;
  }
}

interface Move {
  candidate: number;
  index: number;
  extraBytes: number;
  gain: number;
  ratio: number;
}

function bestMove(
  candidates: readonly OffloadCandidate[],
  chosen: readonly number[],
  spareBytes: number,
): Move | undefined {
  let best: Move | undefined;
  candidates.forEach((c, candidate) => {
    const from = chosen[candidate];
    for (let index = from + 1; index < c.levels.length; index++) {
      const extraBytes = c.bytes[index] - c.bytes[from];
      if (extraBytes > spareBytes) break;
      const gain = c.cost[from] - c.cost[index];
      if (!(gain > 0)) continue;
      const ratio = gain / Math.max(1, extraBytes);
      if (!best || ratio > best.ratio || (ratio === best.ratio && gain > best.gain)) {
        best = { candidate, index, extraBytes, gain, ratio };
      }
    }
  });
  return best;
}
