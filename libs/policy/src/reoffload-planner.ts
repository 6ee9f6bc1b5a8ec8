import { allocateOffload, type OffloadCandidate } from './offload-allocator.js';
import { offloadCandidate, reloadCost } from './offload-candidate.js';
import { compareIds, formatPercent } from './format.js';
import type { RoundState } from './round-state.js';
import type { PolicyLoadedModel, PolicyWorker } from './snapshot.js';

/** One idle copy's place in a worker's re-allocation. */
interface Movable {
  loaded: PolicyLoadedModel;
  candidate: OffloadCandidate;
  /** Index of its current level in candidate.levels. */
  current: number;
}

/**
 * Moves GPU layers between the idle copies on each GPU worker when the demand waiting for them
 * has shifted: the greedy sensitivity allocation gives the target levels, and they are applied
 * only when the slowdown-weighted cost of the waiting demand (see offloadCandidate) drops by at
 * least settings.reoffloadMinGain of its current value, the reloads included (hysteresis: a small
 * shift never pays, so levels do not oscillate). Busy copies, and copies loaded or used within
 * settings.minResidencyMs, keep their level.
 */
export class ReoffloadPlanner {
  constructor(private readonly round: RoundState) {}

  /** Emits the re-offloads that pay for themselves, on every live GPU worker. */
  run(): void {
    for (const worker of this.round.plan.workers) {
      if (!worker.draining && worker.device.kind !== 'cpu') this.onWorker(worker);
    }
  }

  private onWorker(worker: PolicyWorker): void {
    const r = this.round;
    const settled = worker.loaded.filter(
      (m) => this.settled(worker, m) && r.oracle.canOffloadPartially(m.model, worker),
    );
    // Every copy that could move is at its top already: they fit there, so nothing would move.
    if (!settled.some((m) => m.gpuLayers < r.oracle.topLevel(m.model, worker))) return;
    const movable = settled
      .sort((a, b) => compareIds(a.model, b.model))
      .map((loaded) => this.movable(worker, loaded));
    const fixedBytes = worker.loaded
      .filter((m) => !movable.some((x) => x.loaded === m))
      .reduce((sum, m) => sum + m.memoryBytes, 0);
    const budget = worker.memoryBudgetBytes - fixedBytes;
    const candidates = movable.map((m) => m.candidate);
    const target = allocateOffload(candidates, budget);
    if (!target) return;
    this.keepWhereRoom(movable, target, budget);
    const current = movable.reduce((sum, m) => sum + m.candidate.cost[m.current], 0);
    if (!(current > 0)) return;
    // A shrunk copy is charged two reloads: this one and the one that grows it back later.
    const reloads = movable.reduce((sum, m, i) => {
      if (target[i] === m.current) return sum;
      const cost = reloadCost(r.oracle, worker, m.loaded.model, m.candidate.levels[target[i]]);
      return sum + (target[i] < m.current ? 2 * cost : cost);
    }, 0);
    const planned = movable.reduce((sum, m, i) => sum + m.candidate.cost[target[i]], 0) + reloads;
    const gain = (current - planned) / current;
    if (gain < r.settings.reoffloadMinGain) return;
    const speeds = movable
      .map((m, i) => {
        const [from, to] = [m.candidate.levels[m.current], m.candidate.levels[target[i]]];
        const ms = (g: number) => r.oracle.msPerToken(m.loaded.model, worker, g).toFixed(1);
        return from === to ? '' : `${m.loaded.model} ${ms(from)}→${ms(to)} ms/token`;
      })
      .filter(Boolean)
      .join(', ');
    const why =
      `demand waiting on ${worker.id}: ${speeds}; its slowdown-weighted cost drops from ` +
      `${Math.round(current)} to ${Math.round(planned)} tokens with the reloads (gain ` +
      `${formatPercent(gain)} ≥ ${formatPercent(r.settings.reoffloadMinGain)})`;
    // Shrinks first, so the memory the grown copies take is free when the worker gets there.
    const moves = movable
      .map((m, i) => ({ m, to: target[i] }))
      .filter(({ m, to }) => to !== m.current)
      .sort((a, b) => a.to - a.m.current - (b.to - b.m.current));
    for (const { m, to } of moves) {
      const from = m.candidate.levels[m.current];
      const level = m.candidate.levels[to];
      const reason = `${m.loaded.model} ${from}→${level} GPU layers: ${why}`;
      r.reoffload(worker, m.loaded.model, level, m.candidate.bytes[to], reason);
    }
  }

  /**
   * A copy may move when it is idle, has held its level for the minimum residency (a reload
   * restarts it) and has not been used for as long: demand in the window comes and goes job by
   * job, and a copy in use is likely to be needed at its level again (levels flipped between two
   * models on every arrival when this rule was missing).
   */
  private settled(worker: PolicyWorker, loaded: PolicyLoadedModel): boolean {
    const r = this.round;
    const quiet = loaded.lastUsedAt + r.settings.minResidencyMs <= r.now;
    return r.isIdle(worker, loaded) && r.evictableAt(loaded) <= r.now && quiet;
  }

  private movable(worker: PolicyWorker, loaded: PolicyLoadedModel): Movable {
    const o = this.round.oracle;
    const top = o.topLevel(loaded.model, worker);
    const current = Math.min(Math.max(0, loaded.gpuLayers), top);
    const low = Math.min(o.minShrinkLevel(loaded.model, worker), current);
    const tokens = this.round.demand.tokensOn(worker, loaded.model);
    const candidate = offloadCandidate(o, worker, loaded.model, low, top, tokens);
    return { loaded, current: current - low, candidate };
  }

  /** Copies the allocation would shrink stay where they are when the memory allows it. */
  private keepWhereRoom(movable: Movable[], target: number[], budget: number): void {
    let used = movable.reduce((sum, m, i) => sum + m.candidate.bytes[target[i]], 0);
    movable.forEach((m, i) => {
      if (target[i] >= m.current) return;
      const extra = m.candidate.bytes[m.current] - m.candidate.bytes[target[i]];
      if (used + extra > budget) return;
      used += extra;
      target[i] = m.current;
    });
  }
}
