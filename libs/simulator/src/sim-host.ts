import type { HostSpec } from '#switchyard/cost-model';
import type { ScenarioHost } from './scenario.js';
import type { SimWorker } from './sim-worker.js';

/**
 * A machine several CPU workers share. A worker computing (any job prefilling or decoding) keeps
 * its `threads` llama.cpp threads busy: the live engine caps all its contexts together at that
 * many (Llama.maxThreads), so its copies take turns, which the worker's own processor sharing
 * models. Together with the other processes' threads that is the host's demand D. The host's
 * weight-streaming rate with k threads is min(k × per-thread rate, the host's cap) (HostSpec, as
 * the host probe measures it at 1 thread and at all cores), and at most `cores` threads run at
 * once, so D threads share rate(min(D, cores)): each worker computes at
 * (rate(min(D, cores)) / D) / (rate(t) / t) of its speed alone, t its own threads. Prefill scales
 * the same way (HostSpec: compute scales with threads as far as the bandwidth does).
 */
export class SimHost {
  readonly workers: SimWorker[] = [];
  /** Threads busy now: computing workers' and the other processes'. */
  demand: number;

  constructor(
    readonly spec: ScenarioHost,
    private readonly host: HostSpec,
  ) {
    this.demand = spec.otherThreads;
  }

  /** Recounts the busy threads; true when the count changed (every worker's speed did). */
  recount(): boolean {
    let demand = this.spec.otherThreads;
    for (const w of this.workers) if (w.alive && w.computing()) demand += w.group.threads;
    if (demand === this.demand) return false;
    this.demand = demand;
    return true;
  }

  /** Speed of a computing worker with `threads` threads at the current demand, relative to alone. */
  speedOf(threads: number): number {
    const demand = Math.max(this.demand, threads);
    const shared = this.rate(Math.min(demand, this.spec.cores)) / demand;
    return Math.min(1, shared / (this.rate(Math.min(threads, this.spec.cores)) / threads));
  }

  private rate(threads: number): number {
    return Math.min(
      threads * this.host.memoryBandwidthPerThreadBytesPerSecond,
      this.host.memoryBandwidthBytesPerSecond,
    );
  }
}
