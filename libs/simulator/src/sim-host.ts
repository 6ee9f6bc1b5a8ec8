import type { ScenarioHost } from './scenario.js';
import type { SimWorker } from './sim-worker.js';

/**
 * A machine several CPU workers share. A worker computing (any job prefilling or decoding) keeps
 * its `threads` llama.cpp threads busy: the live engine caps all its contexts together at that
 * many (Llama.maxThreads), so its copies take turns, which the worker's own processor sharing
 * models. With the other processes' threads that is the host's demand D; while D exceeds the
 * host's cores, the operating system shares them, and every computing worker runs at cores / D
 * of its speed alone (prefill and decode alike: both are bound by the core on a CPU).
 */
export class SimHost {
  readonly workers: SimWorker[] = [];
  /** Threads busy now: computing workers' and the other processes'. */
  demand: number;

  constructor(readonly spec: ScenarioHost) {
    this.demand = spec.otherThreads;
  }

  /** Recounts the busy threads; true when the count changed (every worker's speed may have). */
  recount(): boolean {
    let demand = this.spec.otherThreads;
    for (const w of this.workers) if (w.alive && w.computing()) demand += w.group.threads;
    if (demand === this.demand) return false;
    this.demand = demand;
    return true;
  }

  /** Speed of a computing worker at the current demand, relative to alone: min(1, cores / D). */
  speed(): number {
    return this.demand <= this.spec.cores ? 1 : this.spec.cores / this.demand;
  }
}
