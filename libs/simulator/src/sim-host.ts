import type { ScenarioHost } from './scenario.js';
import type { SimWorker } from './sim-worker.js';

/**
 * A machine several CPU workers share. A worker computing (any job prefilling or decoding) keeps
 * its `threads` llama.cpp threads busy: the live engine caps all its contexts together at that
 * many (Llama.maxThreads), so its copies take turns (see SimWorker). With the other processes'
 * threads that is the host's demand D. Threads running at once slow each other down through the
 * caches and memory they share: each runs at `parallelSpeed` of its speed alone when all cores
 * are busy, linearly between 1 thread and all of them; and while D exceeds the cores, the
 * operating system shares them, cores / D each. So a computing worker runs at
 * (1 − (1 − parallelSpeed) × (min(D, cores) − 1) / (cores − 1)) × min(1, cores / D) of its speed
 * alone, prefill and decode alike (both are bound by the core on a CPU).
 */
export class SimHost {
  readonly workers: SimWorker[] = [];
  /** Threads busy now: computing workers' and the other processes'. */
  demand: number;
  /** Model files its workers have read to the end: in the page cache they share. */
  private readonly cached = new Set<string>();

  constructor(readonly spec: ScenarioHost) {
    this.demand = spec.otherThreads;
  }

  /** Whether a load of `model` on one of its workers reads the file from the page cache. */
  isCached(model: string): boolean {
    return this.spec.pageCacheWarm || this.cached.has(model);
  }

  /** A worker here has read `model`'s file to the end. */
  cache(model: string): void {
    this.cached.add(model);
  }

  /** Recounts the busy threads; true when the count changed (every worker's speed may have). */
  recount(): boolean {
    let demand = this.spec.otherThreads;
    for (const w of this.workers) if (w.alive && w.computing()) demand += w.group.threads;
    if (demand === this.demand) return false;
    this.demand = demand;
    return true;
  }

  /** Speed of a computing worker at the current demand, relative to alone (see the class). */
  speed(): number {
    const { cores, parallelSpeed } = this.spec;
    const running = Math.min(this.demand, cores);
    const shared = cores > 1 ? Math.max(0, running - 1) / (cores - 1) : 0;
    const perThread = 1 - (1 - parallelSpeed) * shared;
    return this.demand <= cores ? perThread : (perThread * cores) / this.demand;
  }
}
