import type { SimContext } from './sim-context.js';
import { EVENT_RANK } from './sim-event.js';
import type { SimJob } from './sim-job.js';
import type { SimWorker } from './sim-worker.js';

/**
 * Worker failures as the live fleet sees them: a dead worker's jobs keep their last checkpoint
 * and come back after the stalled check; the scheduler keeps seeing the worker until its
 * heartbeat expires; a recovered worker comes back empty, its page cache cold.
 */
export class FailureHandler {
  constructor(private readonly ctx: SimContext) {}

  /** The worker dies now (and comes back `recoverAfterMs` later when set). */
  fail(worker: SimWorker, recoverAfterMs?: number): void {
    if (!worker.alive) return;
    const { clock, scenario, events, commands } = this.ctx;
    const now = clock.now;
    worker.advance(now);
    worker.freezeView(clock);
    const every = scenario.scheduler.checkpointEveryTokens;
    const lost = new Set<SimJob>(worker.active);
    for (const instance of worker.instances.values())
      for (const job of instance.jobs) lost.add(job);
    for (const command of worker.commands) if (command.type === 'run') lost.add(command.job);
    for (const job of lost) {
      if (job.phase === 'ended' || job.worker !== worker) continue;
      // What survives is the last checkpoint written into the job's data.
      job.checkpoint = Math.max(
        job.checkpoint,
        Math.floor(Math.floor(job.generated) / every) * every,
      );
      this.lose(job);
    }
    worker.active.length = 0;
    worker.instances.clear();
    commands.setUsed(worker, 0);
    worker.commands.clear();
    worker.commandBusy = false;
    worker.handingBack = undefined;
    worker.deliveryPending = false;
    worker.alive = false;
    this.ctx.compute.contend(worker);
    this.ctx.rounds.fleetChangedNow();
    worker.generation++;
    worker.tickVersion++;
    worker.touch();
    events.push({
      kind: 'gone',
      at: now + scenario.scheduler.workerTtlMs,
      rank: EVENT_RANK.returned,
      worker,
      generation: worker.generation,
    });
    if (recoverAfterMs !== undefined) {
      events.push({ kind: 'recovery', at: now + recoverAfterMs, rank: EVENT_RANK.failure, worker });
    }
  }

  /** The dead worker's heartbeat expired: the scheduler stops seeing it. */
  gone(worker: SimWorker, generation: number): void {
    if (generation === worker.generation && !worker.alive) {
      worker.visible = false;
      this.ctx.rounds.fleetChangedNow();
      this.ctx.rounds.wake();
    }
  }

  /** The worker is back, empty. */
  recover(worker: SimWorker): void {
    worker.thaw();
    worker.alive = true;
    worker.visible = true;
    this.ctx.rounds.fleetChangedNow();
    worker.generation++;
    worker.coolDown();
    worker.lastAdvanceAt = this.ctx.clock.now;
    worker.touch();
    this.ctx.rounds.wake();
  }

  /** The job's lock lapses with its worker; the stalled check hands it back later. */
  lose(job: SimJob): void {
    this.ctx.metrics.counters.lostJobs++;
    job.losses++;
    job.phase = 'lost';
    job.worker = undefined;
    job.instance = undefined;
    job.savedKv = undefined;
    job.recomputeOwed = false;
    job.preemptPending = false;
    job.generated = job.checkpoint;
    this.ctx.events.push({
      kind: 'return',
      at: this.ctx.clock.now + this.ctx.scenario.scheduler.stalledReturnMs,
      rank: EVENT_RANK.returned,
      job,
    });
  }
}
