import { CostOracle } from './cost-oracle.js';
import type { FleetSnapshot, PolicyWorker } from './snapshot.js';

/**
 * The demand waiting for each model, in decode tokens: what offload levels are chosen for. The
 * window's jobs for a model go first to its fully resident copies with a free slot (that is where
 * placement will send them, so a job with an idle full copy elsewhere does not reshuffle this
 * worker's layers); the rest are shared evenly among all its copies.
 */
export class DemandIndex {
  private readonly waitingTokens = new Map<string, number>();
  private readonly overflowTokens = new Map<string, number>();
  private readonly copies = new Map<string, number>();
  /** Free slots of fully resident copies: per model, in total and per worker id. */
  private readonly freeFull = new Map<string, { total: number; byWorker: Map<string, number> }>();
  private readonly absorbedTokens = new Map<string, number>();
  private readonly jobs = new Map<string, number>();
  /** Interactive and standard jobs of the window per model (those with a tight SLA). */
  private readonly slaJobs = new Map<string, number>();

  constructor(snapshot: FleetSnapshot, oracle: CostOracle) {
    // One entry per model, counted in place: the window can hold 10,000 jobs.
    const byModel = new Map<string, { tokens: number; jobs: number }>();
    for (const job of snapshot.backlog) {
      if (job.priority !== 'batch')
        this.slaJobs.set(job.model, (this.slaJobs.get(job.model) ?? 0) + 1);
      const entry = byModel.get(job.model);
      if (entry) {
        entry.tokens += CostOracle.decodeTokens(job);
        entry.jobs += 1;
      } else byModel.set(job.model, { tokens: 0 + CostOracle.decodeTokens(job), jobs: 1 });
    }
    const jobs = this.jobs;
    for (const [model, entry] of byModel) {
      this.waitingTokens.set(model, entry.tokens);
      jobs.set(model, entry.jobs);
    }
    for (const worker of snapshot.workers) {
      if (worker.draining) continue;
      const workerFree = Math.max(0, worker.maxConcurrentJobs - worker.running.length);
      for (const loaded of worker.loaded) {
        this.copies.set(loaded.model, (this.copies.get(loaded.model) ?? 0) + 1);
        // Free slots only share out the window's tokens: a model with no job there has none.
        if (!jobs.has(loaded.model)) continue;
        if (loaded.gpuLayers < oracle.topLevel(loaded.model, worker)) continue;
        const free = Math.min(workerFree, Math.max(0, loaded.slots - loaded.busySlots));
        const entry = this.freeFull.get(loaded.model) ?? { total: 0, byWorker: new Map() };
        entry.total += free;
        entry.byWorker.set(worker.id, free);
        this.freeFull.set(loaded.model, entry);
      }
    }
    for (const [model, count] of jobs) {
      const perJob = this.waiting(model) / count;
      const free = this.freeFull.get(model)?.total ?? 0;
      const absorbed = Math.min(count, free);
      this.overflowTokens.set(model, (count - absorbed) * perJob);
      // Tokens each free slot of a full copy takes.
      if (free > 0) this.absorbedTokens.set(model, (absorbed * perJob) / free);
    }
  }

  /** Jobs of the window for `model`. */
  waitingJobs(model: string): number {
    return this.jobs.get(model) ?? 0;
  }

  /** Interactive and standard jobs of the window for `model`. */
  waitingSlaJobs(model: string): number {
    return this.slaJobs.get(model) ?? 0;
  }

  /** Decode tokens of the window's jobs for `model`. */
  waiting(model: string): number {
    return this.waitingTokens.get(model) ?? 0;
  }

  /**
   * Decode tokens one copy on `worker` is expected to serve: what its free slots take if it is
   * fully resident, its share of the rest of the window, and its own running jobs.
   */
  tokensOn(worker: PolicyWorker, model: string): number {
    const copies = this.copies.get(model) ?? 0;
    const share = (this.overflowTokens.get(model) ?? 0) / Math.max(1, copies);
    const freeSlots = this.freeFull.get(model)?.byWorker.get(worker.id) ?? 0;
    const absorbed = freeSlots * (this.absorbedTokens.get(model) ?? 0);
    let running = 0;
    for (const run of worker.running) {
      if (run.model === model) running += CostOracle.remainingTokens(run);
    }
    return absorbed + share + running;
  }
}
