import { Logger } from '@nestjs/common';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  BULL_PRIORITY,
  classRank,
  estimatePromptTokens,
  PRIORITY_CLASSES,
  JOBS_QUEUE,
  RedisKeys,
  type JobData,
  type JobProgress,
  type JobResult,
  type SchedulerCommand,
  type WorkerState,
} from '#switchyard/contracts';
import {
  MessageStream,
  openJobsQueue,
  ProfileStore,
  SlaLedger,
  WorkerRegistry,
  type JobsQueue,
} from '#switchyard/fleet';
import { CostModel, modelSpecFromInfo } from '#switchyard/cost-model';
import type {
  Action,
  FleetSnapshot,
  PolicyModel,
  PolicySettings,
  SchedulingPolicy,
  WaitReason,
} from '#switchyard/policy';
import { ActionSender } from './action-sender.js';
import { FleetView } from './fleet-view.js';
import { HeldJobCanceller } from './held-job-canceller.js';
import { JobWindow } from './job-window.js';
import { kvStateHolder } from './kv-state-holder.js';
import { QueueOutcomes } from './queue-outcomes.js';
import { RoundJournal } from './round-journal.js';
import type { SchedulerEnv } from './scheduler-env.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';

/** Figures of the last decision, published for the api and dashboards. */
export interface DecisionStats {
  at: number;
  decideMs: number;
  windowSize: number;
  /** The round's first actions (a large round has thousands; RoundJournal's stream keeps the latest). */
  actions: Action[];
  actionCount: number;
  waiting: { jobId: string; reason: string }[];
}

// Actions and waits of the last round published in the scheduler's status, which every reader parses.
const PUBLISHED_ITEMS = 50;

// How often stored profiles are read again.
const PROFILE_RELOAD_MS = 5_000;

// BullMQ events that mean the backlog changed and a decision is due.
const QUEUE_WAKE_EVENTS = new Set(['added', 'waiting', 'prioritized', 'stalled', 'removed']);

/**
 * What the leader does, round after round: take jobs into the window, read the fleet, ask the
 * policy, apply its actions. Wakes on worker events, scheduler commands and new jobs.
 */
export class SchedulerLoop {
  private readonly logger = new Logger('SchedulerLoop');
  private readonly keys: RedisKeys;
  private readonly registry: WorkerRegistry;
  private readonly schedulerCommands: MessageStream<SchedulerCommand>;
  private readonly fleet = new FleetView();
  private readonly fetcher: Worker<JobData, JobResult>;
  private readonly queue: JobsQueue;
  private readonly window: JobWindow;
  private readonly cursors = new Map<string, string>();
  private lastLockRenewal = 0;
  private readonly settings: PolicySettings;
  /** Predictions for the policy; measured profiles replace the formula where they exist. */
  costModel = new CostModel();
  private readonly profiles: ProfileStore;
  private lastProfileLoad = 0;
  private stopped = false;
  private readonly outcomes?: QueueOutcomes;
  private readonly journal: RoundJournal;
  private readonly actions: ActionSender;
  private readonly canceller: HeldJobCanceller;
  lastDecision?: DecisionStats;

  constructor(
    private readonly env: SchedulerEnv,
    private readonly redis: Redis,
    private readonly blocking: Redis,
    private readonly policy: SchedulingPolicy,
    private readonly metrics?: SchedulerMetrics,
  ) {
    this.keys = new RedisKeys(env.SWITCHYARD_PREFIX);
    this.registry = new WorkerRegistry(redis, this.keys);
    this.schedulerCommands = new MessageStream(redis, this.keys.schedulerCommands());
    this.fetcher = new Worker<JobData, JobResult>(JOBS_QUEUE, null, {
      connection: redis,
      prefix: env.SWITCHYARD_PREFIX,
      autorun: false,
      lockDuration: env.JOB_LOCK_MS,
      stalledInterval: env.STALLED_INTERVAL_MS,
      maxStalledCount: env.MAX_STALLED_COUNT,
    });
    this.fetcher.on('error', (error) => this.logger.warn(`queue: ${error.message}`));
    this.window = new JobWindow(this.fetcher, env.JOB_LOCK_MS);
    this.queue = openJobsQueue(redis, env.SWITCHYARD_PREFIX);
    this.settings = env.policySettings();
    this.profiles = new ProfileStore(redis, this.keys);
    const sla = new SlaLedger(redis, this.keys);
    if (metrics) this.outcomes = new QueueOutcomes(metrics, this.queue, this.logger, sla);
    this.journal = new RoundJournal(redis, this.keys, this.queue);
    this.actions = new ActionSender(
      redis,
      this.keys,
      this.window,
      this.fleet,
      env.CONTEXT_SIZE,
      this.logger,
      metrics,
    );
    this.canceller = new HeldJobCanceller(
      redis,
      this.keys,
      this.window,
      this.fleet,
      this.actions,
      this.logger,
    );
  }

  /** Runs rounds until stop() is called or `stillLeader` says the lock was lost. */
  async run(stillLeader: () => boolean): Promise<void> {
    await this.fetcher.startStalledCheckTimer();
    const queueEvents = `${this.env.SWITCHYARD_PREFIX}:${JOBS_QUEUE}:events`;
    for (const key of [this.keys.workerEvents(), this.keys.schedulerCommands(), queueEvents]) {
      this.cursors.set(key, '$');
    }
    while (!this.stopped && stillLeader()) {
      try {
        await this.round();
        await this.waitForWork(queueEvents);
      } catch (error) {
        if (this.stopped) break;
        this.logger.error(`round failed: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await this.window.releaseAll();
    await this.fetcher.close();
    await this.queue.close();
  }

  /** Ends the loop after the current round; held jobs go back to the queue. */
  stop(): void {
    this.stopped = true;
  }

  /** One decision round. */
  private async round(): Promise<void> {
    if (Date.now() - this.lastLockRenewal > this.env.JOB_LOCK_MS / 3) {
      const lost = await this.window.renewLocks();
      if (lost.length > 0) this.logger.warn(`lost the lock of ${lost.length} held jobs`);
      this.lastLockRenewal = Date.now();
    }
    await this.makeRoomForUrgentJobs();
    await this.window.fill(this.env.SCHEDULER_WINDOW);
    await this.canceller.cancelMarked();
    if (Date.now() - this.lastProfileLoad > PROFILE_RELOAD_MS) {
      // Workers keep their devices' profiles calibrated from live runs; predictions follow.
      this.lastProfileLoad = Date.now();
      this.costModel = await this.profiles
        .applyTo(new CostModel(), (bad) => this.logger.warn(`profile ${bad.field}: ${bad.error}`))
        .catch(() => this.costModel);
    }
    const heartbeats = await this.registry.list();
    const snapshot = this.snapshot(heartbeats);
    const started = performance.now();
    const decision = this.policy.decide(snapshot);
    const decideMs = performance.now() - started;
    this.metrics?.recordDecision(
      decideMs,
      decision.actions,
      snapshot.backlog.map((j) => j.priority),
      (jobId) => heartbeats.flatMap((h) => h.running).find((r) => r.jobId === jobId)?.priority,
    );
    // A Redis error on the way holds the job again and is logged: the round itself goes on.
    const delivery = await this.actions.applyRound(decision.actions);
    await this.explainWaiting(decision.waiting);
    const held = this.window.jobs().map((h) => h.job.data.priority);
    // Only what reached the workers: a dispatch held back after a Redis error is placed again later.
    await this.journal
      .afterRound(snapshot.now, delivery.applied, held, heartbeats)
      .catch((error: Error) => this.logger.warn(`fleet journal: ${error.message}`));
    this.lastDecision = {
      at: snapshot.now,
      decideMs,
      windowSize: this.window.size,
      actions: decision.actions.slice(0, PUBLISHED_ITEMS),
      actionCount: decision.actions.length,
      waiting: decision.waiting.slice(0, PUBLISHED_ITEMS),
    };
  }

  /**
   * A full window must not hide a more urgent job still in the queue: hand back as many of the
   * least urgent, newest held jobs as there are more urgent ones waiting, so the next fill takes them.
   */
  private async makeRoomForUrgentJobs(): Promise<void> {
    if (this.window.size < this.env.SCHEDULER_WINDOW) return;
    const held = this.window.jobs();
    const worstRank = Math.max(...held.map((h) => classRank(h.job.data.priority)));
    if (worstRank === 0) return;
    const urgentPriorities = PRIORITY_CLASSES.slice(0, worstRank).map((c) => BULL_PRIORITY[c]);
    const counts = await this.queue.getCountsPerPriority(urgentPriorities);
    const urgentWaiting = Object.values(counts).reduce((sum, n) => sum + n, 0);
    if (urgentWaiting === 0) return;
    const victims = held
      .filter((h) => classRank(h.job.data.priority) === worstRank)
      .sort((a, b) => b.job.data.submittedAt - a.job.data.submittedAt)
      .slice(0, urgentWaiting)
      .map((h) => h.job.id!);
    await this.window.release(victims);
    this.logger.debug(
      `handed ${victims.length} held jobs back for ${urgentWaiting} more urgent ones`,
    );
  }

  private snapshot(heartbeats: WorkerState[]): FleetSnapshot {
    const models: Record<string, PolicyModel> = {};
    for (const hb of heartbeats) {
      for (const m of hb.models) {
        // Workers may differ in slots; the largest copy is the safe estimate.
        const known = models[m.name];
        if (!known || known.memoryBytes < m.memoryBytes) {
          models[m.name] = {
            name: m.name,
            layers: m.layers,
            fileBytes: m.fileBytes,
            memoryBytes: m.memoryBytes,
            spec: modelSpecFromInfo(m.facts),
          };
        }
      }
    }
    const workers = this.fleet.build(heartbeats);
    return {
      now: Date.now(),
      workers,
      backlog: this.window.jobs().map(({ job }) => ({
        id: job.id!,
        model: job.data.model,
        priority: job.data.priority,
        submittedAt: job.data.submittedAt,
        maxTokens: job.data.maxTokens,
        promptTokens: estimatePromptTokens(job.data),
        checkpointTokens: job.data.checkpoint?.tokens.length ?? 0,
        preemptions: job.data.preemptions ?? 0,
        kvStateOn: kvStateHolder(job.id!, job.data.checkpoint, workers, heartbeats),
      })),
      models,
      contextSize: this.env.CONTEXT_SIZE,
      settings: this.settings,
      costModel: this.costModel,
    };
  }

  /** Writes each waiting job's reason, position and estimated start into its progress when they changed. */
  private async explainWaiting(waiting: WaitReason[]): Promise<void> {
    await Promise.all(
      waiting.map(async ({ jobId, reason, position, estimatedStartAt }) => {
        const held = this.window.get(jobId);
        // Estimates move every round; a change under a second is not worth a write.
        const shown = `${reason}|${position}|${Math.round((estimatedStartAt ?? 0) / 1000)}`;
        if (!held || held.shownReason === shown) return;
        held.shownReason = shown;
        const progress: JobProgress = {
          phase: 'queued',
          reason,
          position,
          estimatedStartAt,
          updatedAt: Date.now(),
        };
        await held.job.updateProgress(progress as unknown as object).catch(() => undefined);
      }),
    );
  }

  /** Blocks until something may change the decision, or a tick passes. */
  private async waitForWork(queueEvents: string): Promise<void> {
    const deadline = Date.now() + this.env.SCHEDULER_TICK_MS;
    while (!this.stopped) {
      const blockMs = deadline - Date.now();
      if (blockMs <= 0) return;
      const keys = [...this.cursors.keys()];
      const reply = (await this.blocking.xread(
        'COUNT',
        500,
        'BLOCK',
        blockMs,
        'STREAMS',
        ...keys,
        ...keys.map((k) => this.cursors.get(k)!),
      )) as [string, [string, string[]][]][] | null;
      if (!reply) return;
      let relevant = false;
      for (const [key, entries] of reply) {
        this.cursors.set(key, entries[entries.length - 1][0]);
        for (const [, fields] of entries) {
          if (key === queueEvents) {
            relevant ||= QUEUE_WAKE_EVENTS.has(fields[1]);
            this.outcomes?.onQueueEvent(fields);
          } else if (key === this.keys.schedulerCommands()) {
            await this.handleCommand(JSON.parse(fields[1]) as SchedulerCommand);
            relevant = true;
          } else {
            relevant = true;
          }
        }
      }
      if (relevant) return;
    }
  }

  private async handleCommand(command: SchedulerCommand): Promise<void> {
    if (command.type !== 'cancel') return;
    const held = this.window.take(command.jobId);
    if (held) return this.canceller.cancel(held);
    const workerId = this.fleet.workerOf(command.jobId);
    if (workerId) {
      await this.actions.send(workerId, { type: 'cancel', jobId: command.jobId });
    } else {
      // Not ours yet (still in the queue) or on a worker we have not seen: tell every worker;
      // the cancel marker stops it when it is fetched.
      const workers = await this.registry.list();
      await Promise.all(
        workers.map((w) => this.actions.send(w.id, { type: 'cancel', jobId: command.jobId })),
      );
    }
  }
}
