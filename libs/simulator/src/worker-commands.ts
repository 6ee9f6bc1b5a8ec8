import type { SimContext } from './sim-context.js';
import { EVENT_RANK } from './sim-event.js';
import { SimInstance } from './sim-instance.js';
import type { SimJob } from './sim-job.js';
import type { SimCommand, SimWorker } from './sim-worker.js';

/**
 * The live worker's command handling: commands apply one at a time in the order sent, a load (or
 * a preempted job's hand-back) holding up the ones behind it; loads that do not fit, reloads of a
 * busy copy and unloads of a busy model are refused; a run finds its copy and a slot or goes back.
 * A command reaches its worker `dispatchLatencyMs` after it was sent, and a job starts computing
 * `jobStartupMs` after it took its slot (the live worker's and engine's per-job set-up).
 */
export class WorkerCommands {
  private nextInstanceId = 1;

  constructor(private readonly ctx: SimContext) {}

  /** Sends a command to the worker's stream; it applies at once unless the stream is held up. */
  send(worker: SimWorker, command: SimCommand): void {
    worker.commands.pushBack(command);
    worker.touch();
    this.pump(worker);
  }

  /** Applies the worker's commands in order until a load holds the stream up or one is in transit. */
  pump(worker: SimWorker): void {
    const latency = this.ctx.scenario.scheduler.dispatchLatencyMs;
    while (worker.alive && !worker.commandBusy && worker.commands.size > 0) {
      const arrivesAt = worker.commands.peek()!.sentAt + latency;
      if (arrivesAt > this.ctx.clock.now) return this.awaitDelivery(worker, arrivesAt);
      const command = worker.commands.shift()!;
      worker.touch();
      switch (command.type) {
        case 'load':
          this.executeLoad(worker, command);
          break;
        case 'unload':
          this.executeUnload(worker, command.model);
          break;
        case 'run':
          this.executeRun(worker, command.job);
          break;
        case 'preempt':
          this.executePreempt(worker, command.job, command.path);
          break;
      }
    }
  }

  /** The command at the head of the worker's stream has reached it. */
  delivered(worker: SimWorker, generation: number): void {
    if (generation !== worker.generation) return;
    worker.deliveryPending = false;
    this.pump(worker);
  }

  /** A load finished: the copy is ready and the commands behind it apply. */
  loadDone(worker: SimWorker, instance: SimInstance): void {
    const now = this.ctx.clock.now;
    instance.state = 'ready';
    instance.loadedAt = now;
    instance.lastUsedAt = now;
    // Warm once read to the end, as the live worker reports it (a load holds the stream, so no
    // second load of the file starts before this one ends).
    worker.warmUp(instance.model);
    // The other workers of its machine read the file from the same page cache.
    worker.host?.cache(instance.model);
    worker.commandBusy = false;
    worker.touch();
    this.ctx.rounds.wake();
    this.pump(worker);
  }

  /** A preempted job leaves its slot and goes back to the front of its level. */
  release(worker: SimWorker, job: SimJob): void {
    worker.deactivate(job);
    job.instance!.jobs.delete(job);
    job.instance!.lastUsedAt = this.ctx.clock.now;
    job.recomputeOwed = job.savedKv === undefined;
    worker.touch();
    this.ctx.rounds.requeueFront(job);
    this.ctx.compute.reschedule(worker);
    if (worker.handingBack === job) {
      worker.handingBack = undefined;
      worker.commandBusy = false;
      this.pump(worker);
    }
  }

  /** Books the worker's memory in use. */
  setUsed(worker: SimWorker, bytes: number): void {
    worker.usedBytes = bytes;
    worker.touch();
    this.ctx.metrics.memory(worker.index, this.ctx.clock.now, bytes);
  }

  private awaitDelivery(worker: SimWorker, at: number): void {
    if (worker.deliveryPending) return;
    worker.deliveryPending = true;
    this.ctx.events.push({
      kind: 'deliver',
      at,
      rank: EVENT_RANK.deliver,
      worker,
      generation: worker.generation,
    });
  }

  private executeLoad(worker: SimWorker, command: Extract<SimCommand, { type: 'load' }>): void {
    const { metrics, clock, rounds } = this.ctx;
    const { model, rates } = command;
    const gpuLayers = worker.device.kind === 'cpu' ? 0 : command.gpuLayers;
    const existing = worker.instances.get(model);
    if (!worker.servable.has(model)) return this.refuseLoad();
    if (existing) {
      if (existing.gpuLayers === gpuLayers && existing.slots === command.slots)
        return rounds.wake();
      // A reload at another level: the worker refuses it while the copy runs jobs.
      if (existing.jobs.size + existing.finishing > 0) return this.refuseLoad();
      if (worker.usedBytes - existing.memoryBytes + rates.memoryBytes > worker.memoryBudgetBytes) {
        return this.refuseLoad();
      }
      metrics.counters.reoffloads++;
      worker.instances.delete(model);
      this.setUsed(worker, worker.usedBytes - existing.memoryBytes);
    } else if (worker.usedBytes + rates.memoryBytes > worker.memoryBudgetBytes) {
      return this.refuseLoad();
    }
    const now = clock.now;
    const instance = new SimInstance(
      this.nextInstanceId++,
      model,
      gpuLayers,
      command.slots,
      rates,
      now,
      now,
    );
    worker.instances.set(model, instance);
    this.setUsed(worker, worker.usedBytes + rates.memoryBytes);
    const cached = worker.warm.has(model) || (worker.host?.isCached(model) ?? false);
    const loadMs = rates.loadTimeMs(cached ? 'warm' : 'cold');
    metrics.counters.loads++;
    metrics.counters.loadBytesRead += rates.loadBytesRead;
    metrics.counters.loadBytesUploaded += rates.loadBytesUploaded;
    metrics.counters.loadMs += loadMs;
    worker.commandBusy = true;
    this.ctx.events.push({
      kind: 'load-done',
      at: now + loadMs,
      rank: EVENT_RANK.loadDone,
      worker,
      generation: worker.generation,
      instance,
    });
  }

  private refuseLoad(): void {
    this.ctx.metrics.counters.refusedLoads++;
    this.ctx.rounds.wake();
  }

  private executeUnload(worker: SimWorker, model: string): void {
    const instance = worker.instances.get(model);
    if (!instance) return this.ctx.rounds.wake();
    if (instance.jobs.size + instance.finishing > 0) {
      this.ctx.metrics.counters.refusedUnloads++;
      return;
    }
    worker.instances.delete(model);
    this.setUsed(worker, worker.usedBytes - instance.memoryBytes);
    this.ctx.metrics.counters.unloads++;
    this.ctx.rounds.wake();
  }

  private executeRun(worker: SimWorker, job: SimJob): void {
    const { metrics } = this.ctx;
    if (job.phase !== 'scheduled' || job.worker !== worker) return;
    const instance = worker.instances.get(job.spec.model);
    if (!instance) {
      // The live worker fails a job whose model it does not hold.
      job.worker = undefined;
      return this.ctx.ledger.end(job, 'failed');
    }
    if (instance.jobs.size >= instance.slots) {
      metrics.counters.noSlotReturns++;
      return this.ctx.rounds.requeueFront(job);
    }
    const now = this.ctx.clock.now;
    worker.advance(now);
    instance.jobs.add(job);
    instance.lastUsedAt = now;
    job.instance = instance;
    job.startedAt = now;
    if (job.savedKv && job.savedKv.instanceId === instance.id) {
      job.phase = 'restore';
      job.remaining = job.savedKv.restoreMs;
      metrics.counters.preemptionCostMs += job.savedKv.restoreMs;
    } else {
      job.phase = 'prefill';
      job.prefillTokens = job.spec.promptTokens + job.checkpoint;
      job.remaining = job.prefillTokens;
      // Recomputing a preempted job's sequence (its KV dropped, or saved on another copy) is
      // the price of its preemption.
      if (job.recomputeOwed || job.savedKv !== undefined) {
        metrics.counters.preemptionCostMs +=
          job.prefillTokens * instance.rates.prefillMsPerToken(job.prefillTokens);
      }
    }
    const startupMs = this.ctx.scenario.scheduler.jobStartupMs;
    if (startupMs > 0) {
      job.afterStartup = { phase: job.phase, remaining: job.remaining };
      job.phase = 'starting';
      job.remaining = startupMs;
    }
    job.savedKv = undefined;
    job.recomputeOwed = false;
    job.preemptPending = false;
    job.generated = job.checkpoint;
    worker.active.push(job);
    this.ctx.compute.reschedule(worker);
  }

  private executePreempt(worker: SimWorker, job: SimJob, path: 'keep-kv' | 'recompute'): void {
    const { metrics } = this.ctx;
    job.preemptPending = false;
    if (
      job.worker !== worker ||
      !(
        job.phase === 'starting' ||
        job.phase === 'prefill' ||
        job.phase === 'decoding' ||
        job.phase === 'restore'
      )
    ) {
      metrics.counters.ignoredActions++;
      return;
    }
    const now = this.ctx.clock.now;
    worker.advance(now);
    const instance = job.instance!;
    // It stops at a token boundary: the partial token is lost, whole ones are in the checkpoint.
    const tokens = Math.min(job.spec.outputTokens - 1, Math.floor(job.generated));
    job.generated = Math.max(job.checkpoint, tokens);
    job.checkpoint = job.generated;
    job.preemptions++;
    metrics.counters.preemptions++;
    // Stopped before its first token, a job has no KV worth keeping (and while starting, none).
    const hasKv = job.phase === 'decoding' || job.phase === 'restore';
    if (path === 'keep-kv' && hasKv && this.ctx.scenario.scheduler.kvResume) {
      const cost = instance.rates.preemptionCosts(job.spec.promptTokens, job.checkpoint)[
        'save-restore-kv'
      ];
      const oneWayMs = (cost.seconds * 1000) / 2;
      metrics.counters.keepKv++;
      metrics.counters.preemptionCostMs += oneWayMs;
      metrics.counters.preemptionBytes += cost.bytesMoved;
      job.phase = 'saving';
      job.remaining = oneWayMs;
      job.savedKv = { instanceId: instance.id, workerId: worker.id, restoreMs: oneWayMs };
      // The live worker applies nothing else until the job is handed back: a run sent right
      // behind the preempt then finds the slot free.
      worker.commandBusy = true;
      worker.handingBack = job;
      this.ctx.compute.reschedule(worker);
      return;
    }
    metrics.counters.recompute++;
    this.release(worker, job);
  }
}
