import { CostModel, type ModelSpec } from '#switchyard/cost-model';
import type { PolicyModel, SchedulingPolicy } from '#switchyard/policy';
import { FailureHandler } from './failure-handler.js';
import { checkFleetInvariants } from './fleet-invariants.js';
import { JobLedger } from './job-ledger.js';
import { MetricsRecorder } from './metrics-recorder.js';
import { PlacementCatalog } from './placement-catalog.js';
import type { Scenario } from './scenario.js';
import { workerIdsOf } from './scenario-parser.js';
import { SchedulerRounds } from './scheduler-rounds.js';
import { SimContext } from './sim-context.js';
import { EVENT_RANK, type SimEvent } from './sim-event.js';
import { SimHost } from './sim-host.js';
import { SimJob } from './sim-job.js';
import { SimWorker } from './sim-worker.js';
import type { SimulationResult } from './simulation-result.js';
import { generateWorkload, type JobSpec } from './workload-generator.js';
import { WorkerCommands } from './worker-commands.js';
import { WorkerCompute } from './worker-compute.js';

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

/**
 * A discrete-event simulation of the fleet under one policy: jobs arrive from the scenario's
 * workload into BullMQ-like priority queues, the scheduler takes a window of them and calls the
 * policy's decide() once per round with the same snapshot the live scheduler builds
 * (SchedulerRounds), and the workers apply the returned actions (WorkerCommands) with timings
 * from the cost model (WorkerCompute). Rounds run on events (coalesced, at most one per
 * minRoundIntervalMs) and on the tick while jobs wait.
 */
export class Simulator {
  private readonly ctx: SimContext;
  private readonly jobs: SimJob[];
  private readonly seed: number;
  private readonly horizonMs: number;
  private readonly timer: () => number;
  private readonly clampedPrompts: number;
  private nextArrival = 0;
  private eventCount = 0;

  constructor(
    private readonly scenario: Scenario,
    policy: SchedulingPolicy,
    private readonly policyName: string,
    private readonly options: SimulatorOptions = {},
  ) {
    this.seed = options.seed ?? scenario.seed;
    this.timer = options.timer ?? (() => performance.now());
    const costModel =
      options.costModel ??
      new CostModel({
        host: scenario.host,
        factors: scenario.factors,
        profiles: scenario.profiles,
      });
    this.horizonMs = scenario.durationMs + scenario.drainMs;
    const specs = new Map<string, ModelSpec>();
    for (const m of scenario.models) specs.set(m.name, m.spec);
    const workers: SimWorker[] = [];
    const workersById = new Map<string, SimWorker>();
    const changedWorkers: SimWorker[] = [];
    const hosts = new Map(scenario.hosts.map((h) => [h.name, new SimHost(h)]));
    for (const group of scenario.fleet) {
      const device = costModel.device(group.device);
      const host = group.host === undefined ? undefined : hosts.get(group.host);
      for (const id of workerIdsOf(group)) {
        const worker = new SimWorker(
          workers.length,
          id,
          group,
          device,
          scenario.host.memoryBytes,
          changedWorkers,
          scenario.scheduler.promptChunkTokens,
        );
        if (host) {
          worker.host = host;
          host.workers.push(worker);
        }
        workers.push(worker);
        workersById.set(id, worker);
      }
    }
    const metrics = new MetricsRecorder(scenario.settings, this.horizonMs, workers.length);
    const placements = new PlacementCatalog(costModel, scenario.contextSize);
    const policyModels: Record<string, PolicyModel> = {};
    for (const m of scenario.models) policyModels[m.name] = placements.policyModel(m.spec, workers);
    const workload = options.jobs
      ? { jobs: options.jobs, clampedPrompts: 0 }
      : generateWorkload(scenario, this.seed);
    this.clampedPrompts = workload.clampedPrompts;
    this.jobs = workload.jobs.map((spec) => new SimJob(spec));
    const jobsById = new Map<string, SimJob>();
    for (const job of this.jobs) jobsById.set(job.spec.id, job);

    const ctx = new SimContext(scenario, metrics, workers, workersById);
    ctx.rounds = new SchedulerRounds(ctx, {
      policy,
      costModel,
      placements,
      specs,
      policyModels,
      jobsById,
      changedWorkers,
      freezeSnapshots: options.freezeSnapshots ?? false,
      timer: this.timer,
    });
    ctx.commands = new WorkerCommands(ctx);
    ctx.compute = new WorkerCompute(ctx);
    ctx.failures = new FailureHandler(ctx);
    ctx.ledger = new JobLedger(ctx, this.jobs.length);
    this.ctx = ctx;
  }

  /** Runs the scenario to its end (every job ended, or the drain limit) and returns the figures. */
  run(): SimulationResult {
    const { events, clock, ledger } = this.ctx;
    const started = this.timer();
    if (this.jobs.length > 0) {
      events.push({ kind: 'arrival', at: this.jobs[0].spec.submittedAt, rank: EVENT_RANK.arrival });
    }
    for (const f of this.scenario.failures) {
      const worker = this.ctx.workersById.get(f.worker)!;
      events.push({
        kind: 'failure',
        at: f.atMs,
        rank: EVENT_RANK.failure,
        worker,
        recoverAfterMs: f.recoverAfterMs,
      });
    }
    const progressEvery = 4096;
    for (;;) {
      const event = events.pop();
      if (!event || event.at > this.horizonMs) break;
      clock.now = event.at;
      this.handle(event);
      this.eventCount++;
      if (this.options.checkInvariants) checkFleetInvariants(this.ctx.workers, clock.now);
      if (this.options.onProgress && this.eventCount % progressEvery === 0) {
        this.options.onProgress(this.jobs.length === 0 ? 1 : ledger.ended / this.jobs.length);
      }
      if (ledger.ended === this.jobs.length && this.nextArrival >= this.jobs.length) break;
    }
    const result = this.finish();
    result.performance = {
      wallMs: this.timer() - started,
      decideMs: this.ctx.rounds.decideMs,
      events: this.eventCount,
    };
    this.options.onProgress?.(1);
    return result;
  }

  private handle(event: SimEvent): void {
    const { compute, commands, failures, rounds } = this.ctx;
    switch (event.kind) {
      case 'arrival':
        return this.arrive();
      case 'tick':
        if (event.version === event.worker.tickVersion && event.worker.alive)
          compute.tick(event.worker);
        return;
      case 'load-done':
        if (event.generation === event.worker.generation)
          commands.loadDone(event.worker, event.instance);
        return;
      case 'failure':
        return failures.fail(event.worker, event.recoverAfterMs);
      case 'recovery':
        return failures.recover(event.worker);
      case 'gone':
        return failures.gone(event.worker, event.generation);
      case 'return':
        return rounds.returnStalled(event.job);
      case 'deliver':
        return commands.delivered(event.worker, event.generation);
      case 'written-back':
        return compute.writtenBack(event.worker, event.generation, event.instance);
      case 'round':
        return rounds.roundDue(event.at);
    }
  }

  private arrive(): void {
    const now = this.ctx.clock.now;
    // Jobs submitted together (a batch) arrive in one event.
    while (
      this.nextArrival < this.jobs.length &&
      this.jobs[this.nextArrival].spec.submittedAt <= now
    ) {
      this.ctx.rounds.enqueue(this.jobs[this.nextArrival++]);
    }
    if (this.nextArrival < this.jobs.length) {
      this.ctx.events.push({
        kind: 'arrival',
        at: this.jobs[this.nextArrival].spec.submittedAt,
        rank: EVENT_RANK.arrival,
      });
    }
    this.ctx.rounds.wakeIfWindowHasRoom();
  }

  private finish(): SimulationResult {
    const s = this.scenario;
    const { clock, ledger, workers, metrics } = this.ctx;
    const allEnded = ledger.ended === this.jobs.length;
    const end = allEnded
      ? Math.max(s.durationMs, ledger.lastEndAt)
      : Math.min(this.horizonMs, Math.max(s.durationMs, clock.now));
    clock.now = end;
    // Jobs still open end unfinished; jobs due after the drain limit never arrived and count nowhere.
    for (const job of this.jobs) {
      if (job.phase !== 'ended' && job.phase !== 'pending') ledger.end(job, 'unfinished');
    }
    for (const w of workers) if (w.alive) w.advance(end);
    return {
      scenario: s.name,
      policy: this.policyName,
      seed: this.seed,
      durationMs: s.durationMs,
      ...metrics.result(workers, end, this.clampedPrompts),
      performance: { wallMs: 0, decideMs: 0, events: 0 },
    };
  }
}
