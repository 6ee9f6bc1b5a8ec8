import type { CostOracle } from './cost-oracle.js';
import type { OffloadCandidate } from './offload-allocator.js';
import type { PolicyWorker } from './snapshot.js';

/**
 * A model's place in a device's memory split: its levels from `low` to `high`, the bytes of each
 * and the cost of its demand there, measured as the study measures sensitivity, relative to full
 * residency: decode tokens waiting × (ms per token at the level / ms per token at full
 * residency). Every waiting token counts by how much slower it runs than it could, so a small
 * model that loses 4× without its last layers outbids a large one that loses 1.6×. `reloadCost`
 * puts a reload on the same scale: its ms in tokens the model could have decoded at full speed.
 */
export function offloadCandidate(
  oracle: CostOracle,
  worker: PolicyWorker,
  model: string,
  low: number,
  high: number,
  tokens: number,
): OffloadCandidate {
  const fullMs = oracle.msPerToken(model, worker, oracle.topLevel(model, worker));
  const levels = Array.from({ length: Math.max(0, high - low) + 1 }, (_, i) => low + i);
  return {
    model,
    levels,
    bytes: levels.map((g) => oracle.memoryAt(model, worker, g)),
    cost: levels.map((g) => (tokens * oracle.msPerToken(model, worker, g)) / fullMs),
  };
}

/** A reload of `model` at `gpuLayers` on the cost scale of offloadCandidate. */
export function reloadCost(
  oracle: CostOracle,
  worker: PolicyWorker,
  model: string,
  gpuLayers: number,
): number {
  const fullMs = oracle.msPerToken(model, worker, oracle.topLevel(model, worker));
  return oracle.loadMs(model, worker, gpuLayers) / fullMs;
}
