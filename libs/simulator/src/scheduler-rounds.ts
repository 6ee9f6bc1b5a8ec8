import type { PriorityClass } from '#switchyard/contracts';
import type { CostModel, ModelSpec } from '#switchyard/cost-model';
import type {
  Action,
  FleetSnapshot,
  PolicyModel,
  PolicySettings,
  PolicyWorker,
  SchedulingPolicy,
} from '#switchyard/policy';
import { deepFreeze } from './deep-freeze.js';
import { JobDeque } from './job-deque.js';
import type { PlacementCatalog } from './placement-catalog.js';
import type { SimContext } from './sim-context.js';
import { EVENT_RANK } from './sim-event.js';
import type { SimJob } from './sim-job.js';
import type { SimWorker } from './sim-worker.js';

/** What the scheduler's rounds need besides the shared context. */
export interface SchedulerRoundsOptions {
  policy: SchedulingPolicy;
  costModel: CostModel;
  placements: PlacementCatalog;
  specs: ReadonlyMap<string, ModelSpec>;
  policyModels: Record<string, PolicyModel>;
  jobsById: ReadonlyMap<string, SimJob>;
  /** Workers touched since the last round (the workers push themselves): only their views are rebuilt. */
  changedWorkers: SimWorker[];
  /** Freezes every snapshot handed to the policy (tests). */
  freezeSnapshots: boolean;
  /** Wall clock for the time spent in decide() (ms). */
  timer: () => number;
}

/**
 * The live scheduler's side: BullMQ-like queues (the stalled jobs' plain wait list first, then
 * by priority, FIFO in a level), the look-ahead window, and the rounds — each builds one
 * FleetSnapshot, calls the policy's decide() and applies its actions. Rounds run on the events
 * the live loop wakes on, coalesced to one per minRoundIntervalMs, and on the tick while jobs wait.
 */
export class SchedulerRounds {
  /** Time spent in decide() (wall clock, ms). */
  decideMs = 0;
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
  /** The visible workers' views as of the last round, and each worker's place in it (−1: hidden). */
  private workerViews: PolicyWorker[] = [];
  private viewSlot: Int32Array = new Int32Array(0);
  /** A worker appeared or disappeared: the list of views is rebuilt in full. */
  private fleetChanged = true;
  private roundAt?: number;
  private lastRoundAt = -Infinity;

  /** The scenario's policy settings as the live scheduler passes them: estimates for its window. */
  private readonly settings: PolicySettings;

  constructor(
    private readonly ctx: SimContext,
    private readonly o: SchedulerRoundsOptions,
  ) {
    const { settings, scheduler } = ctx.scenario;
    this.settings = { ...settings, waitEstimates: scheduler.window };
  }

  // ---- the queue ----

  /** A job submitted now joins the back of its priority level. */
  enqueue(job: SimJob): void {
    job.phase = 'queued';
    this.queues[job.spec.priority].pushBack(job);
    this.addWaiting(job, 1);
  }

  /**
   * A job that cannot enter a full window changes nothing the policy sees; it enters when a
   * dispatch makes room, and that dispatch's own events bring the next round.
   */
  wakeIfWindowHasRoom(): void {
    if (this.window.size < this.ctx.scenario.scheduler.window) this.wake();
  }

  /** Back to the front of its priority level (moveToWait after a preemption or a full worker). */
  requeueFront(job: SimJob): void {
    job.phase = 'queued';
    job.worker = undefined;
    job.instance = undefined;
    job.requeued();
    this.queues[job.spec.priority].pushFront(job);
    this.addWaiting(job, 1);
    this.wake();
  }

  /** The stalled check hands a lost job back: the plain wait list, served first. */
  returnStalled(job: SimJob): void {
    job.phase = 'queued';
    job.requeued();
    this.stalled.pushBack(job);
    this.addWaiting(job, 1);
    this.wakeIfWindowHasRoom();
  }

  /** A worker appeared in or disappeared from the scheduler's view. */
  fleetChangedNow(): void {
    this.fleetChanged = true;
  }

  private addWaiting(job: SimJob, delta: number): void {
    const cls = job.spec.priority;
    this.waiting[cls] += delta;
    this.ctx.metrics.queueDepth(cls, this.ctx.clock.now, this.waiting[cls]);
  }

  /** BullMQ's order: the plain wait list (stalled jobs) first, then by priority, FIFO in a level. */
  private fillWindow(): void {
    const limit = this.ctx.scenario.scheduler.window;
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

  // ---- rounds ----

  /** Something the scheduler listens to happened: a round is due (coalesced). */
  wake(): void {
    this.requestRound(this.ctx.clock.now);
  }

  /** Runs the round the 'round' event at `at` stands for, unless a later request replaced it. */
  roundDue(at: number): void {
    if (at === this.roundAt) this.round();
  }

  private requestRound(at: number): void {
    const target = Math.max(at, this.lastRoundAt + this.ctx.scenario.scheduler.minRoundIntervalMs);
    if (this.roundAt !== undefined && this.roundAt <= target) return;
    this.roundAt = target;
    this.ctx.events.push({ kind: 'round', at: target, rank: EVENT_RANK.round });
  }

  private round(): void {
    const { scenario, clock, metrics } = this.ctx;
    const now = clock.now;
    this.roundAt = undefined;
    this.lastRoundAt = now;
    metrics.counters.rounds++;
    this.fillWindow();
    const snapshot: FleetSnapshot = {
      now,
      workers: this.currentWorkerViews(),
      backlog: [...this.window.values()].map((j) => j.backlogView()),
      models: this.o.policyModels,
      contextSize: scenario.contextSize,
      settings: this.settings,
      costModel: this.o.costModel,
    };
    if (this.o.freezeSnapshots) deepFreeze(snapshot);
    const started = this.o.timer();
    const decision = this.o.policy.decide(snapshot);
    this.decideMs += this.o.timer() - started;
    for (const action of decision.actions) this.apply(action);
    if (this.waiting.interactive + this.waiting.standard + this.waiting.batch > 0) {
      this.requestRound(now + scenario.scheduler.tickMs);
    }
  }

  /**
   * The visible workers' views, rebuilding only those touched since the last round: with
   * hundreds of workers, most rounds change a handful of them.
   */
  private currentWorkerViews(): PolicyWorker[] {
    const { workers, clock } = this.ctx;
    const changed = this.o.changedWorkers;
    if (this.fleetChanged) {
      this.fleetChanged = false;
      this.viewSlot = new Int32Array(workers.length).fill(-1);
      this.workerViews = [];
      for (const w of workers) {
        if (!w.visible) continue;
        this.viewSlot[w.index] = this.workerViews.length;
        this.workerViews.push(w.view(clock));
      }
    } else {
      for (const w of changed) {
        const slot = this.viewSlot[w.index];
        if (slot >= 0) this.workerViews[slot] = w.view(clock);
      }
    }
    changed.length = 0;
    // A copy: the policy may keep its snapshot while the next rounds update the list.
    return this.workerViews.slice();
  }

  private apply(action: Action): void {
    const { metrics, clock, commands } = this.ctx;
    metrics.counters.actions++;
    const worker = this.ctx.workersById.get(action.workerId);
    const now = clock.now;
    switch (action.type) {
      case 'dispatch': {
        const job = this.window.get(action.jobId);
        if (!job) {
          metrics.counters.ignoredActions++;
          return;
        }
        this.window.delete(action.jobId);
        this.addWaiting(job, -1);
        if (!worker || !worker.alive) {
          // Sent to a worker that is not there: nobody renews the job's lock, the stalled check returns it.
          if (!worker) metrics.counters.ignoredActions++;
          this.ctx.failures.lose(job);
          return;
        }
        job.phase = 'scheduled';
        job.worker = worker;
        return commands.send(worker, { type: 'run', job, sentAt: now });
      }
      case 'load':
      case 'reoffload': {
        const spec = this.o.specs.get(action.model);
        if (
          !worker ||
          !spec ||
          !Number.isInteger(action.gpuLayers) ||
          action.gpuLayers < 0 ||
          action.gpuLayers > spec.layers + 1
        ) {
          metrics.counters.ignoredActions++;
          metrics.counters.refusedLoads++;
          return;
        }
        if (!worker.alive) return;
        const slots =
          action.type === 'load'
            ? action.slots
            : (worker.view(clock).loaded.find((m) => m.model === action.model)?.slots ??
              worker.group.slotsPerModel);
        const rates = this.o.placements.ratesFor(spec, worker, action.gpuLayers);
        return commands.send(worker, {
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
          metrics.counters.ignoredActions++;
          return;
        }
        if (!worker.alive) return;
        return commands.send(worker, { type: 'unload', model: action.model, sentAt: now });
      case 'preempt': {
        const job = this.o.jobsById.get(action.jobId);
        if (!worker || !job) {
          metrics.counters.ignoredActions++;
          return;
        }
        if (!worker.alive) return;
        job.preemptPending = true;
        return commands.send(worker, { type: 'preempt', job, path: action.path, sentAt: now });
      }
    }
  }
}
