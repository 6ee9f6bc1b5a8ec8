import type { PriorityClass } from '#switchyard/contracts';
import { CostModel, type ModelSpec } from '#switchyard/cost-model';
import type {
  Action,
  FleetSnapshot,
  PolicyModel,
  PolicyWorker,
  SchedulingPolicy,
} from '#switchyard/policy';
import { EventQueue } from './event-queue.js';
import { InvariantViolation } from './invariant-violation.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { JobDeque } from './job-deque.js';
import { PlacementRates } from './placement-rates.js';
import type { Scenario } from './scenario.js';
import { workerIdsOf } from './scenario-parser.js';
import { SimHost } from './sim-host.js';
import { SimInstance } from './sim-instance.js';
import { SimJob, type JobOutcome } from './sim-job.js';
import { SimWorker, type Clock, type SimCommand } from './sim-worker.js';
import type { SimulationResult } from './simulation-result.js';
import { generateWorkload, type JobSpec } from './workload-generator.js';

/** Options of one run. */
export interface SimulatorOptions {
  /** Seed of the workload; the scenario's own by default. */
  seed?: number;
  /** Called every few thousand events with the share of jobs ended (0..1). */
  onProgress?: (fraction: number) => void;
  /** Checks every invariant after every event, throwing InvariantViolation (slow; for tests). */
  checkInvariants?: boolean;
  /** Freezes every snapshot handed to the policy, so one that mutates its input throws (tests). */
  freezeSnapshots?: boolean;
  /** Wall clock for the performance figures only (ms); never read by the simulation itself. */
  timer?: () => number;
  /** A cost model to use instead of the scenario's (e.g. one that remembers its answers). */
  costModel?: CostModel;
  /**
   * Jobs to run instead of the scenario's generated workload (in arrival order, `index` their
   * position): a replay of exactly what a live run was sent.
   */
  jobs?: JobSpec[];
}

// Same-time events: facts first (a worker dies, a load ends, a phase ends), then arrivals, then
// the decision round that sees them all — as the live scheduler wakes after the events it reads.
const RANK = { failure: 0, loadDone: 1, tick: 2, returned: 3, arrival: 4, round: 9 } as const;

type SimEvent =
  | { kind: 'arrival'; at: number; rank: number; seq?: number }
  | { kind: 'tick'; at: number; rank: number; seq?: number; worker: SimWorker; version: number }
  | {
      kind: 'load-done';
      at: number;
      rank: number;
      seq?: number;
      worker: SimWorker;
      generation: number;
      instance: SimInstance;
    }
  | {
      kind: 'failure';
      at: number;
      rank: number;
      seq?: number;
      worker: SimWorker;
      recoverAfterMs?: number;
    }
  | { kind: 'recovery'; at: number; rank: number; seq?: number; worker: SimWorker }
  | { kind: 'gone'; at: number; rank: number; seq?: number; worker: SimWorker; generation: number }
  | { kind: 'return'; at: number; rank: number; seq?: number; job: SimJob }
  | { kind: 'round'; at: number; rank: number; seq?: number };

/**
 * A discrete-event simulation of the fleet under one policy: jobs arrive from the scenario's
 * workload into BullMQ-like priority queues, the scheduler takes a window of them and calls the
 * policy's decide() once per round with the same snapshot the live scheduler builds, and the
 * workers apply the returned actions with timings from the cost model. Rounds run on events
 * (coalesced, at most one per minRoundIntervalMs) and on the tick while jobs wait.
 */
export class Simulator {
  private readonly clock: Clock = { now: 0 };
  private readonly events = new EventQueue<SimEvent>();
  private readonly costModel: CostModel;
  private readonly jobs: SimJob[];
  private readonly jobsById = new Map<string, SimJob>();
  private readonly workers: SimWorker[] = [];
  private readonly workersById = new Map<string, SimWorker>();
  /** Workers touched since the last round: only their views are rebuilt. */
  private readonly changedWorkers: SimWorker[] = [];
  /** The visible workers' views as of the last round, and each worker's place in it (−1: hidden). */
  private workerViews: PolicyWorker[] = [];
  private viewSlot: Int32Array = new Int32Array(0);
  /** A worker appeared or disappeared: the list of views is rebuilt in full. */
  private fleetChanged = true;
  private readonly specs = new Map<string, ModelSpec>();
  private readonly policyModels: Record<string, PolicyModel> = {};
  private readonly rates = new Map<string, PlacementRates>();
  private readonly stalled = new JobDeque<SimJob>();
  private readonly queues: Record<PriorityClass, JobDeque<SimJob>> = {
    interactive: new JobDeque(),
    standard: new JobDeque(),
    batch: new JobDeque(),
  };
  private readonly window = new Map<string, SimJob>();
  private readonly waiting: Record<PriorityClass, number> = {
    interactive: 0,
    standard: 0,
    batch: 0,
  };
  private readonly metrics: MetricsRecorder;
  private readonly endCounts: Uint8Array;
  private readonly seed: number;
  private readonly horizonMs: number;
  private readonly timer: () => number;
  private readonly clampedPrompts: number;
  private nextArrival = 0;
  private ended = 0;
  private lastEndAt = 0;
  private roundAt?: number;
  private lastRoundAt = -Infinity;
  private nextInstanceId = 1;
  private decideMs = 0;
  private eventCount = 0;
  constructor(
    private readonly scenario: Scenario,
    private readonly policy: SchedulingPolicy,
    private readonly policyName: string,
    private readonly options: SimulatorOptions = {},
  ) {
    this.seed = options.seed ?? scenario.seed;
    this.timer = options.timer ?? (() => performance.now());
    this.costModel =
      options.costModel ??
      new CostModel({
        host: scenario.host,
        factors: scenario.factors,
        profiles: scenario.profiles,
      });
    this.horizonMs = scenario.durationMs + scenario.drainMs;
    for (const m of scenario.models) this.specs.set(m.name, m.spec);
    const hosts = new Map(scenario.hosts.map((h) => [h.name, new SimHost(h)]));
    for (const group of scenario.fleet) {
      const device = this.costModel.device(group.device);
      const host = group.host === undefined ? undefined : hosts.get(group.host);
      for (const id of workerIdsOf(group)) {
        const worker = new SimWorker(
          this.workers.length,
          id,
          group,
          device,
          scenario.host.memoryBytes,
          this.changedWorkers,
          scenario.scheduler.promptChunkTokens,
        );
        if (host) {
          worker.host = host;
          host.workers.push(worker);
        }
        this.workers.push(worker);
        this.workersById.set(id, worker);
      }
    }
    this.metrics = new MetricsRecorder(scenario.settings, this.horizonMs, this.workers.length);
    for (const m of scenario.models) this.policyModels[m.name] = this.policyModel(m.spec);
    const workload = options.jobs
      ? { jobs: options.jobs, clampedPrompts: 0 }
      : generateWorkload(scenario, this.seed);
    this.clampedPrompts = workload.clampedPrompts;
    this.jobs = workload.jobs.map((spec) => new SimJob(spec));
    for (const job of this.jobs) this.jobsById.set(job.spec.id, job);
    this.endCounts = new Uint8Array(this.jobs.length);
  }

  /** Runs the scenario to its end (every job ended, or the drain limit) and returns the figures. */
  run(): SimulationResult {
    const started = this.timer();
    if (this.jobs.length > 0) {
      this.events.push({ kind: 'arrival', at: this.jobs[0].spec.submittedAt, rank: RANK.arrival });
    }
    for (const f of this.scenario.failures) {
      const worker = this.workersById.get(f.worker)!;
      this.events.push({
        kind: 'failure',
        at: f.atMs,
        rank: RANK.failure,
        worker,
        recoverAfterMs: f.recoverAfterMs,
      });
    }
    const progressEvery = 4096;
    for (;;) {
      const event = this.events.pop();
      if (!event || event.at > this.horizonMs) break;
      this.clock.now = event.at;
      this.handle(event);
      this.eventCount++;
      if (this.options.checkInvariants) this.checkInvariants();
      if (this.options.onProgress && this.eventCount % progressEvery === 0) {
        this.options.onProgress(this.jobs.length === 0 ? 1 : this.ended / this.jobs.length);
      }
      if (this.ended === this.jobs.length && this.nextArrival >= this.jobs.length) break;
    }
    const result = this.finish();
    result.performance = {
      wallMs: this.timer() - started,
      decideMs: this.decideMs,
      events: this.eventCount,
    };
    this.options.onProgress?.(1);
    return result;
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'arrival':
        return this.arrive();
      case 'tick':
        if (event.version === event.worker.tickVersion && event.worker.alive)
          this.tick(event.worker);
        return;
      case 'load-done':
        if (event.generation === event.worker.generation)
          this.loadDone(event.worker, event.instance);
        return;
      case 'failure':
        return this.fail(event.worker, event.recoverAfterMs);
      case 'recovery':
        return this.recover(event.worker);
      case 'gone':
        if (event.generation === event.worker.generation && !event.worker.alive) {
          event.worker.visible = false;
          this.fleetChanged = true;
          this.wake();
        }
        return;
      case 'return':
        return this.returnStalled(event.job);
      case 'round':
        if (event.at === this.roundAt) this.round();
        return;
    }
  }

  // ---- arrivals and the queue ----

  private arrive(): void {
    const now = this.clock.now;
    // Jobs submitted together (a batch) arrive in one event.
    while (
      this.nextArrival < this.jobs.length &&
      this.jobs[this.nextArrival].spec.submittedAt <= now
    ) {
      const job = this.jobs[this.nextArrival++];
      job.phase = 'queued';
      this.queues[job.spec.priority].pushBack(job);
      this.addWaiting(job, 1);
    }
    if (this.nextArrival < this.jobs.length) {
      this.events.push({
        kind: 'arrival',
        at: this.jobs[this.nextArrival].spec.submittedAt,
        rank: RANK.arrival,
      });
    }
    this.wakeIfWindowHasRoom();
  }

  /**
   * A job that cannot enter a full window changes nothing the policy sees; it enters when a
   * dispatch makes room, and that dispatch's own events bring the next round.
   */
  private wakeIfWindowHasRoom(): void {
    if (this.window.size < this.scenario.scheduler.window) this.wake();
  }

  private addWaiting(job: SimJob, delta: number): void {
    const cls = job.spec.priority;
    this.waiting[cls] += delta;
    this.metrics.queueDepth(cls, this.clock.now, this.waiting[cls]);
  }

  /** BullMQ's order: the plain wait list (stalled jobs) first, then by priority, FIFO in a level. */
  private fillWindow(): void {
    const limit = this.scenario.scheduler.window;
    while (this.window.size < limit) {
      const job =
        this.stalled.shift() ??
        this.queues.interactive.shift() ??
        this.queues.standard.shift() ??
        this.queues.batch.shift();
      if (!job) return;
      job.phase = 'window';
      this.window.set(job.spec.id, job);
    }
  }

  /** Back to the front of its priority level (moveToWait after a preemption or a full worker). */
  private requeueFront(job: SimJob): void {
    job.phase = 'queued';
    job.worker = undefined;
    job.instance = undefined;
    job.requeued();
    this.queues[job.spec.priority].pushFront(job);
    this.addWaiting(job, 1);
    this.wake();
  }

  private returnStalled(job: SimJob): void {
    job.phase = 'queued';
    job.requeued();
    this.stalled.pushBack(job);
    this.addWaiting(job, 1);
    this.wakeIfWindowHasRoom();
  }

  // ---- rounds ----

  /** Something the scheduler listens to happened: a round is due (coalesced). */
  private wake(): void {
    this.requestRound(this.clock.now);
  }

  private requestRound(at: number): void {
    const target = Math.max(at, this.lastRoundAt + this.scenario.scheduler.minRoundIntervalMs);
    if (this.roundAt !== undefined && this.roundAt <= target) return;
    this.roundAt = target;
    this.events.push({ kind: 'round', at: target, rank: RANK.round });
  }

  private round(): void {
    const now = this.clock.now;
    this.roundAt = undefined;
    this.lastRoundAt = now;
    this.metrics.counters.rounds++;
    this.fillWindow();
    const snapshot: FleetSnapshot = {
      now,
      workers: this.currentWorkerViews(),
      backlog: [...this.window.values()].map((j) => j.backlogView()),
      models: this.policyModels,
      contextSize: this.scenario.contextSize,
      settings: this.scenario.settings,
      costModel: this.costModel,
    };
    if (this.options.freezeSnapshots) deepFreeze(snapshot);
    const started = this.timer();
    const decision = this.policy.decide(snapshot);
    this.decideMs += this.timer() - started;
    for (const action of decision.actions) this.apply(action);
    if (this.waiting.interactive + this.waiting.standard + this.waiting.batch > 0) {
      this.requestRound(now + this.scenario.scheduler.tickMs);
    }
  }

  /**
   * The visible workers' views, rebuilding only those touched since the last round: with
   * hundreds of workers, most rounds change a handful of them.
   */
  private currentWorkerViews(): PolicyWorker[] {
    if (this.fleetChanged) {
      this.fleetChanged = false;
      this.viewSlot = new Int32Array(this.workers.length).fill(-1);
      this.workerViews = [];
      for (const w of this.workers) {
        if (!w.visible) continue;
        this.viewSlot[w.index] = this.workerViews.length;
        this.workerViews.push(w.view(this.clock));
      }
    } else {
      for (const w of this.changedWorkers) {
        const slot = this.viewSlot[w.index];
        if (slot >= 0) this.workerViews[slot] = w.view(this.clock);
      }
    }
    this.changedWorkers.length = 0;
    // A copy: the policy may keep its snapshot while the next rounds update the list.
    return this.workerViews.slice();
  }

  private apply(action: Action): void {
    this.metrics.counters.actions++;
    const worker = this.workersById.get(action.workerId);
    const now = this.clock.now;
    switch (action.type) {
      case 'dispatch': {
        const job = this.window.get(action.jobId);
        if (!job) {
          this.metrics.counters.ignoredActions++;
          return;
        }
        this.window.delete(action.jobId);
        this.addWaiting(job, -1);
        if (!worker || !worker.alive) {
          // Sent to a worker that is not there: nobody renews the job's lock, the stalled check returns it.
          if (!worker) this.metrics.counters.ignoredActions++;
          this.lose(job);
          return;
        }
        job.phase = 'scheduled';
        job.worker = worker;
        return this.send(worker, { type: 'run', job, sentAt: now });
      }
      case 'load':
      case 'reoffload': {
        const spec = this.specs.get(action.model);
        if (
          !worker ||
          !spec ||
          !Number.isInteger(action.gpuLayers) ||
          action.gpuLayers < 0 ||
          action.gpuLayers > spec.layers + 1
        ) {
          this.metrics.counters.ignoredActions++;
          this.metrics.counters.refusedLoads++;
          return;
        }
        if (!worker.alive) return;
        const slots =
          action.type === 'load'
            ? action.slots
            : (worker.view(this.clock).loaded.find((m) => m.model === action.model)?.slots ??
              worker.group.slotsPerModel);
        const rates = this.ratesFor(spec, worker, action.gpuLayers);
        return this.send(worker, {
          type: 'load',
          model: action.model,
          gpuLayers: action.gpuLayers,
          slots,
          rates,
          sentAt: now,
        });
      }
      case 'unload':
        if (!worker) {
          this.metrics.counters.ignoredActions++;
          return;
        }
        if (!worker.alive) return;
        return this.send(worker, { type: 'unload', model: action.model, sentAt: now });
      case 'preempt': {
        const job = this.jobsById.get(action.jobId);
        if (!worker || !job) {
          this.metrics.counters.ignoredActions++;
          return;
        }
        if (!worker.alive) return;
        job.preemptPending = true;
        return this.send(worker, { type: 'preempt', job, path: action.path, sentAt: now });
      }
    }
  }

  // ---- workers: commands ----

  private send(worker: SimWorker, command: SimCommand): void {
    worker.commands.pushBack(command);
    worker.touch();
    this.pump(worker);
  }

  /** Applies the worker's commands in order until a load holds the stream up. */
  private pump(worker: SimWorker): void {
    while (worker.alive && !worker.commandBusy && worker.commands.size > 0) {
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

  private executeLoad(worker: SimWorker, command: Extract<SimCommand, { type: 'load' }>): void {
    const { model, rates } = command;
    const gpuLayers = worker.device.kind === 'cpu' ? 0 : command.gpuLayers;
    const existing = worker.instances.get(model);
    if (!worker.servable.has(model)) return this.refuseLoad();
    if (existing) {
      if (existing.gpuLayers === gpuLayers && existing.slots === command.slots) return this.wake();
      // A reload at another level: the engine refuses it while the copy runs generations.
      if (existing.jobs.size > 0) return this.refuseLoad();
      if (worker.usedBytes - existing.memoryBytes + rates.memoryBytes > worker.memoryBudgetBytes) {
        return this.refuseLoad();
      }
      this.metrics.counters.reoffloads++;
      worker.instances.delete(model);
      this.setUsed(worker, worker.usedBytes - existing.memoryBytes);
    } else if (worker.usedBytes + rates.memoryBytes > worker.memoryBudgetBytes) {
      return this.refuseLoad();
    }
    const now = this.clock.now;
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
    const loadMs = rates.loadTimeMs(worker.warm.has(model) ? 'warm' : 'cold');
    worker.warm.add(model);
    this.metrics.counters.loads++;
    this.metrics.counters.loadBytesRead += rates.loadBytesRead;
    this.metrics.counters.loadBytesUploaded += rates.loadBytesUploaded;
    this.metrics.counters.loadMs += loadMs;
    worker.commandBusy = true;
    this.events.push({
      kind: 'load-done',
      at: now + loadMs,
      rank: RANK.loadDone,
      worker,
      generation: worker.generation,
      instance,
    });
  }

  private refuseLoad(): void {
    this.metrics.counters.refusedLoads++;
    this.wake();
  }

  private loadDone(worker: SimWorker, instance: SimInstance): void {
    instance.state = 'ready';
    instance.loadedAt = this.clock.now;
    instance.lastUsedAt = this.clock.now;
    worker.commandBusy = false;
    worker.touch();
    this.wake();
    this.pump(worker);
  }

  private executeUnload(worker: SimWorker, model: string): void {
    const instance = worker.instances.get(model);
    if (!instance) return this.wake();
    if (instance.jobs.size > 0) {
      this.metrics.counters.refusedUnloads++;
      return;
    }
    worker.instances.delete(model);
    this.setUsed(worker, worker.usedBytes - instance.memoryBytes);
    this.metrics.counters.unloads++;
    this.wake();
  }

  private executeRun(worker: SimWorker, job: SimJob): void {
    if (job.phase !== 'scheduled' || job.worker !== worker) return;
    const instance = worker.instances.get(job.spec.model);
    if (!instance) {
      // The live worker fails a job whose model it does not hold.
      job.worker = undefined;
      return this.end(job, 'failed');
    }
    if (instance.jobs.size >= instance.slots) {
      this.metrics.counters.noSlotReturns++;
      return this.requeueFront(job);
    }
    const now = this.clock.now;
    worker.advance(now);
    instance.jobs.add(job);
    instance.lastUsedAt = now;
    job.instance = instance;
    job.startedAt = now;
    if (job.savedKv && job.savedKv.instanceId === instance.id) {
      job.phase = 'restore';
      job.remaining = job.savedKv.restoreMs;
      this.metrics.counters.preemptionCostMs += job.savedKv.restoreMs;
    } else {
      job.phase = 'prefill';
      job.prefillTokens = job.spec.promptTokens + job.checkpoint;
      job.remaining = job.prefillTokens;
      // Recomputing a preempted job's sequence (its KV dropped, or saved on another copy) is
      // the price of its preemption.
      if (job.recomputeOwed || job.savedKv !== undefined) {
        this.metrics.counters.preemptionCostMs +=
          job.prefillTokens * instance.rates.prefillMsPerToken(job.prefillTokens);
      }
    }
    job.savedKv = undefined;
    job.recomputeOwed = false;
    job.preemptPending = false;
    job.generated = job.checkpoint;
    worker.active.push(job);
    this.reschedule(worker);
  }

  private executePreempt(worker: SimWorker, job: SimJob, path: 'keep-kv' | 'recompute'): void {
    job.preemptPending = false;
    if (
      job.worker !== worker ||
      !(job.phase === 'prefill' || job.phase === 'decoding' || job.phase === 'restore')
    ) {
      this.metrics.counters.ignoredActions++;
      return;
    }
    const now = this.clock.now;
    worker.advance(now);
    const instance = job.instance!;
    // It stops at a token boundary: the partial token is lost, whole ones are in the checkpoint.
    const tokens = Math.min(job.spec.outputTokens - 1, Math.floor(job.generated));
    job.generated = Math.max(job.checkpoint, tokens);
    job.checkpoint = job.generated;
    job.preemptions++;
    this.metrics.counters.preemptions++;
    if (path === 'keep-kv' && job.phase !== 'prefill' && this.scenario.scheduler.kvResume) {
      const cost = instance.rates.preemptionCosts(job.spec.promptTokens, job.checkpoint)[
        'save-restore-kv'
      ];
      const oneWayMs = (cost.seconds * 1000) / 2;
      this.metrics.counters.keepKv++;
      this.metrics.counters.preemptionCostMs += oneWayMs;
      this.metrics.counters.preemptionBytes += cost.bytesMoved;
      job.phase = 'saving';
      job.remaining = oneWayMs;
      job.savedKv = { instanceId: instance.id, workerId: worker.id, restoreMs: oneWayMs };
      // The live worker applies nothing else until the job is handed back: a run sent right
      // behind the preempt then finds the slot free.
      worker.commandBusy = true;
      worker.handingBack = job;
      this.reschedule(worker);
      return;
    }
    this.metrics.counters.recompute++;
    this.release(worker, job);
  }

  /** A preempted job leaves its slot and goes back to the front of its level. */
  private release(worker: SimWorker, job: SimJob): void {
    worker.deactivate(job);
    job.instance!.jobs.delete(job);
    job.instance!.lastUsedAt = this.clock.now;
    job.recomputeOwed = job.savedKv === undefined;
    worker.touch();
    this.requeueFront(job);
    this.reschedule(worker);
    if (worker.handingBack === job) {
      worker.handingBack = undefined;
      worker.commandBusy = false;
      this.pump(worker);
    }
  }

  // ---- workers: compute ----

  /** New rates for the worker's jobs, and for its host's other workers when its demand changed. */
  private reschedule(worker: SimWorker): void {
    this.contend(worker);
    this.scheduleTick(worker);
  }

  /**
   * When the worker starts or stops computing on a shared host, every worker there computes at a
   * new speed: the others are advanced to now at their old rates first (the caller advanced this
   * one), then rescheduled.
   */
  private contend(worker: SimWorker): void {
    const host = worker.host;
    if (!host?.recount()) return;
    for (const peer of host.workers) {
      if (!peer.alive) continue;
      if (peer !== worker) peer.advance(this.clock.now);
      peer.speed = host.speed();
      if (peer !== worker) this.scheduleTick(peer);
    }
  }

  private scheduleTick(worker: SimWorker): void {
    const next = worker.reschedule();
    if (Number.isFinite(next)) {
      this.events.push({
        kind: 'tick',
        at: this.clock.now + next,
        rank: RANK.tick,
        worker,
        version: worker.tickVersion,
      });
    }
  }

  private tick(worker: SimWorker): void {
    worker.advance(this.clock.now);
    for (const job of worker.finishedPhases()) {
      switch (job.phase) {
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
          this.release(worker, job);
          break;
        default:
          break;
      }
    }
    worker.touch();
    this.reschedule(worker);
  }

  private complete(worker: SimWorker, job: SimJob): void {
    worker.deactivate(job);
    job.instance!.jobs.delete(job);
    job.instance!.lastUsedAt = this.clock.now;
    job.generated = job.spec.outputTokens;
    job.firstTokenAt ??= this.clock.now;
    worker.touch();
    this.end(job, 'completed');
  }

  private end(job: SimJob, outcome: JobOutcome): void {
    const now = this.clock.now;
    job.phase = 'ended';
    job.outcome = outcome;
    job.endedAt = now;
    job.worker = undefined;
    job.instance = undefined;
    if (this.endCounts[job.spec.index]++ > 0) {
      throw new InvariantViolation(now, `job ${job.spec.id} ended twice`);
    }
    this.ended++;
    this.lastEndAt = now;
    this.metrics.jobEnded(job, outcome, now);
    if (outcome !== 'unfinished') this.wake();
  }

  private setUsed(worker: SimWorker, bytes: number): void {
    worker.usedBytes = bytes;
    worker.touch();
    this.metrics.memory(worker.index, this.clock.now, bytes);
  }

  // ---- failures ----

  private fail(worker: SimWorker, recoverAfterMs?: number): void {
    if (!worker.alive) return;
    const now = this.clock.now;
    worker.advance(now);
    worker.freezeView(this.clock);
    const every = this.scenario.scheduler.checkpointEveryTokens;
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
    this.setUsed(worker, 0);
    worker.commands.clear();
    worker.commandBusy = false;
    worker.handingBack = undefined;
    worker.alive = false;
    this.contend(worker);
    this.fleetChanged = true;
    worker.generation++;
    worker.tickVersion++;
    worker.touch();
    this.events.push({
      kind: 'gone',
      at: now + this.scenario.scheduler.workerTtlMs,
      rank: RANK.returned,
      worker,
      generation: worker.generation,
    });
    if (recoverAfterMs !== undefined) {
      this.events.push({ kind: 'recovery', at: now + recoverAfterMs, rank: RANK.failure, worker });
    }
  }

  private recover(worker: SimWorker): void {
    worker.thaw();
    worker.alive = true;
    worker.visible = true;
    this.fleetChanged = true;
    worker.generation++;
    worker.warm.clear();
    worker.lastAdvanceAt = this.clock.now;
    worker.touch();
    this.wake();
  }

  /** The job's lock lapses with its worker; the stalled check hands it back later. */
  private lose(job: SimJob): void {
    this.metrics.counters.lostJobs++;
    job.losses++;
    job.phase = 'lost';
    job.worker = undefined;
    job.instance = undefined;
    job.savedKv = undefined;
    job.recomputeOwed = false;
    job.preemptPending = false;
    job.generated = job.checkpoint;
    this.events.push({
      kind: 'return',
      at: this.clock.now + this.scenario.scheduler.stalledReturnMs,
      rank: RANK.returned,
      job,
    });
  }

  // ---- cost model ----

  private ratesFor(spec: ModelSpec, worker: SimWorker, gpuLayers: number): PlacementRates {
    const resolved = worker.device.kind === 'cpu' ? 0 : gpuLayers;
    const key = `${spec.name}\u0000${worker.group.device}\u0000${resolved}\u0000${worker.group.threads}`;
    let rates = this.rates.get(key);
    if (!rates) {
      rates = new PlacementRates(
        this.costModel,
        spec,
        worker.group.device,
        resolved,
        this.scenario.contextSize,
        worker.group.threads,
      );
      this.rates.set(key, rates);
    }
    return rates;
  }

  /**
   * The model as the scheduler lists it: the largest copy any worker that serves it reports
   * (all layers on the GPU, or all on the host for a CPU worker), as the live snapshot does.
   */
  private policyModel(spec: ModelSpec): PolicyModel {
    let servers = this.workers.filter((w) => w.servable.has(spec.name));
    if (servers.length === 0) servers = this.workers;
    const memoryBytes = Math.max(
      ...servers.map((w) => this.ratesFor(spec, w, spec.layers).memoryBytes),
    );
    return { name: spec.name, layers: spec.layers, fileBytes: spec.fileBytes, memoryBytes, spec };
  }

  // ---- invariants and results ----

  private checkInvariants(): void {
    const now = this.clock.now;
    for (const w of this.workers) {
      let sum = 0;
      for (const inst of w.instances.values()) {
        sum += inst.memoryBytes;
        if (inst.jobs.size > inst.slots) {
          throw new InvariantViolation(
            now,
            `${w.id}: ${inst.jobs.size} jobs on ${inst.model} with ${inst.slots} slots`,
          );
        }
        for (const job of inst.jobs) {
          if (!w.active.includes(job))
            throw new InvariantViolation(now, `job ${job.spec.id} holds a slot but is not running`);
        }
      }
      if (Math.abs(sum - w.usedBytes) > 1)
        throw new InvariantViolation(now, `${w.id}: memory books ${w.usedBytes}, copies ${sum}`);
      if (w.usedBytes > w.memoryBudgetBytes) {
        throw new InvariantViolation(
          now,
          `${w.id}: ${w.usedBytes} bytes in use over a budget of ${w.memoryBudgetBytes}`,
        );
      }
      for (const job of w.active) {
        const inst = w.instances.get(job.spec.model);
        if (!inst || inst !== job.instance || inst.state !== 'ready' || job.worker !== w) {
          throw new InvariantViolation(
            now,
            `job ${job.spec.id} runs on ${w.id} without ${job.spec.model} loaded`,
          );
        }
      }
    }
  }

  private finish(): SimulationResult {
    const s = this.scenario;
    const allEnded = this.ended === this.jobs.length;
    const end = allEnded
      ? Math.max(s.durationMs, this.lastEndAt)
      : Math.min(this.horizonMs, Math.max(s.durationMs, this.clock.now));
    this.clock.now = end;
    // Jobs still open end unfinished; jobs due after the drain limit never arrived and count nowhere.
    for (const job of this.jobs) {
      if (job.phase !== 'ended' && job.phase !== 'pending') this.end(job, 'unfinished');
    }
    for (const w of this.workers) if (w.alive) w.advance(end);
    return {
      scenario: s.name,
      policy: this.policyName,
      seed: this.seed,
      durationMs: s.durationMs,
      ...this.metrics.result(this.workers, end, this.clampedPrompts),
      performance: { wallMs: 0, decideMs: 0, events: 0 },
    };
  }
}

function deepFreeze(value: unknown): void {
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.isFrozen(value) ||
    value instanceof CostModel
  )
    return;
  Object.freeze(value);
  for (const key of Object.keys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor && 'value' in descriptor) deepFreeze(descriptor.value);
  }
}
