import type { SimContext } from './sim-context.js';
import { EVENT_RANK } from './sim-event.js';
import type { SimInstance } from './sim-instance.js';
import type { SimJob } from './sim-job.js';
import type { SimWorker } from './sim-worker.js';

/**
 * The workers' compute over time: each worker's jobs advance at the rates of its current mix
 * (SimWorker), a 'tick' event marks the next phase end, and a shared host re-rates every worker
 * on it when one starts or stops computing.
 */
export class WorkerCompute {
  constructor(private readonly ctx: SimContext) {}

  /** New rates for the worker's jobs, and for its host's other workers when its demand changed. */
  reschedule(worker: SimWorker): void {
    this.contend(worker);
    this.scheduleTick(worker);
  }

  /**
   * When the worker starts or stops computing on a shared host, every worker there computes at a
   * new speed: the others are advanced to now at their old rates first (the caller advanced this
   * one), then rescheduled.
   */
  contend(worker: SimWorker): void {
    const host = worker.host;
    if (!host?.recount()) return;
    for (const peer of host.workers) {
      if (!peer.alive) continue;
      if (peer !== worker) peer.advance(this.ctx.clock.now);
      peer.speed = host.speed();
      if (peer !== worker) this.scheduleTick(peer);
    }
  }

  /** The worker's next phase end is due: phases move on, jobs complete, KV saves hand back. */
  tick(worker: SimWorker): void {
    worker.advance(this.ctx.clock.now);
    for (const job of worker.finishedPhases()) {
      switch (job.phase) {
        case 'starting':
          job.phase = job.afterStartup!.phase;
          job.remaining = job.afterStartup!.remaining;
          job.afterStartup = undefined;
          break;
        case 'restore':
        case 'prefill':
          job.phase = 'decoding';
          job.remaining = job.spec.outputTokens - job.generated;
          if (job.remaining <= 0) this.complete(worker, job);
          break;
        case 'decoding':
          this.complete(worker, job);
          break;
        case 'saving':
          this.ctx.commands.release(worker, job);
          break;
        default:
          break;
      }
    }
    worker.touch();
    this.reschedule(worker);
  }

  private scheduleTick(worker: SimWorker): void {
    const next = worker.reschedule();
    if (Number.isFinite(next)) {
      this.ctx.events.push({
        kind: 'tick',
        at: this.ctx.clock.now + next,
        rank: EVENT_RANK.tick,
        worker,
        version: worker.tickVersion,
      });
    }
  }

  /** Writing back a completed job's result frees its slot, to the scheduler, at `written-back`. */
  writtenBack(worker: SimWorker, generation: number, instance: SimInstance): void {
    if (generation !== worker.generation) return;
    instance.finishing--;
    worker.touch();
    this.ctx.rounds.wake();
  }

  /**
   * The job's last token: it completes now (as the live job's timings end when generation
   * does); its slot looks busy to the scheduler until the write-back is over.
   */
  private complete(worker: SimWorker, job: SimJob): void {
    const instance = job.instance!;
    const now = this.ctx.clock.now;
    worker.deactivate(job);
    instance.jobs.delete(job);
    instance.lastUsedAt = now;
    job.generated = job.spec.outputTokens;
    job.firstTokenAt ??= now;
    worker.touch();
    const writeBackMs = this.ctx.scenario.scheduler.jobWriteBackMs;
    if (writeBackMs <= 0) return this.ctx.ledger.end(job, 'completed');
    instance.finishing++;
    this.ctx.ledger.end(job, 'completed', false);
    this.ctx.events.push({
      kind: 'written-back',
      at: now + writeBackMs,
      rank: EVENT_RANK.tick,
      worker,
      generation: worker.generation,
      instance,
    });
  }
}
