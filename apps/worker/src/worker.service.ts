import { hostname, tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  parseBytes,
  RedisKeys,
  type ServableModel,
  type WorkerCommand,
  type WorkerEvent,
  type WorkerState,
} from '#switchyard/contracts';
import { LlamaEngine } from '#switchyard/engine';
import {
  createRedisConnection,
  MessageStream,
  openJobsQueue,
  ProfileStore,
  WorkerRegistry,
  type JobsQueue,
} from '#switchyard/fleet';
import { ModelRegistry } from '#switchyard/gguf';
import { catalogDeviceId, LiveProfileRefresher } from '#switchyard/profiler';
import { JobRunner } from './job-runner.js';
import { KvStateStore } from './kv-state-store.js';
import { KvStateSweeper } from './kv-state-sweeper.js';
import { ModelResidency } from './model-residency.js';
import { resolveMemoryBudget } from './memory-budget.js';
import { RunnerTable } from './runner-table.js';
import { reportWorkerState } from './worker-state-report.js';
import { WorkerEnv } from './worker-env.js';
import { WorkerMetrics } from './worker-metrics.js';

/**
 * One worker process: owns one node-llama-cpp instance on one device, applies the scheduler's
 * commands in order (load, unload, run, cancel), and reports itself by heartbeats.
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  readonly id: string;
  private readonly keys: RedisKeys;
  private readonly redis: Redis;
  private readonly blocking: Redis;
  private readonly queue: JobsQueue;
  private readonly registry: WorkerRegistry;
  private readonly commands: MessageStream<WorkerCommand>;
  private readonly events: MessageStream<WorkerEvent>;
  private readonly runners = new RunnerTable<JobRunner>();
  private readonly kvStates: KvStateStore;
  private readonly kvSweeper: KvStateSweeper;
  private engine!: LlamaEngine;
  private profiles?: LiveProfileRefresher;
  private models!: ModelRegistry;
  private servable: ServableModel[] = [];
  /** Set once the engine and the registry are ready (bootstrap). */
  private residency?: ModelResidency;
  private memoryBudgetBytes = 0;
  private appliedCommandId = '0-0';
  private readonly startedAt = Date.now();
  private stopping = false;
  private draining = false;
  private deregistered = false;
  private drained?: Promise<void>;
  private loop?: Promise<void>;
  private heartbeatTimer?: NodeJS.Timeout;
  private heartbeatSoon?: NodeJS.Timeout;

  constructor(
    @Inject(WorkerEnv) private readonly env: WorkerEnv,
    @Inject(WorkerMetrics) private readonly metrics: WorkerMetrics,
  ) {
    this.id = env.WORKER_ID ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
    this.keys = new RedisKeys(env.SWITCHYARD_PREFIX);
    this.redis = createRedisConnection(env.REDIS_URL, `worker:${this.id}`);
    this.blocking = createRedisConnection(env.REDIS_URL, `worker:${this.id}:commands`);
    for (const r of [this.redis, this.blocking]) {
      r.on('error', (error) => this.logger.warn(`redis: ${error.message}`));
    }
    this.queue = openJobsQueue(this.redis, env.SWITCHYARD_PREFIX);
    this.registry = new WorkerRegistry(this.redis, this.keys);
    this.commands = new MessageStream(this.redis, this.keys.workerCommands(this.id));
    this.events = new MessageStream(this.redis, this.keys.workerEvents());
    this.kvStates = new KvStateStore(
      join(env.WORKER_STATE_DIR ?? join(tmpdir(), 'switchyard-kv'), this.id),
      parseBytes(env.WORKER_KV_STATE_MAX_BYTES),
    );
    this.kvSweeper = new KvStateSweeper(this.kvStates, this.queue, (jobId) =>
      this.runners.has(jobId),
    );
  }

  /** Detects the device, reads the model registry, registers and starts taking commands. */
  async onApplicationBootstrap(): Promise<void> {
    const env = this.env;
    this.engine = await LlamaEngine.create({
      threads: env.WORKER_THREADS > 0 ? env.WORKER_THREADS : undefined,
      gpu:
        env.WORKER_GPU === 'false'
          ? false
          : (env.WORKER_GPU as 'auto' | 'cuda' | 'vulkan' | 'metal'),
    });
    const device = this.engine.device;
    // Jobs that ran alone keep this device's stored profiles calibrated (throttled saves).
    const catalogId = catalogDeviceId(device);
    this.profiles = catalogId
      ? new LiveProfileRefresher(new ProfileStore(this.redis, this.keys), {
          device: catalogId,
          onError: (error) => this.logger.warn(`profile refresh failed: ${error.message}`),
        }).attach(this.engine)
      : undefined;
    this.memoryBudgetBytes = resolveMemoryBudget(env.WORKER_MEMORY_BUDGET, device);
    this.metrics.attach(this.id, () => (this.deregistered ? undefined : this.state()));
    await this.kvStates.open();
    this.models = await ModelRegistry.scan(env.MODELS_DIR, { manifestPath: env.MODELS_MANIFEST });
    for (const problem of this.models.problems) this.logger.warn(problem);
    this.residency = new ModelResidency({
      workerId: this.id,
      engine: this.engine,
      models: this.models,
      modelsDir: env.MODELS_DIR,
      metrics: this.metrics,
      kvStates: this.kvStates,
      runners: this.runners,
      emit: (event) => this.emit(event),
    });
    this.servable = await Promise.all(
      this.models.list().map(async (m) => {
        const gpuLayers = device.kind === 'cpu' ? 0 : m.layers;
        const estimate = await this.engine.estimateMemory(
          m.path,
          gpuLayers,
          env.CONTEXT_SIZE,
          env.WORKER_SLOTS,
        );
        const memoryBytes =
          device.kind === 'cpu' ? estimate.cpuBytes + estimate.gpuBytes : estimate.gpuBytes;
        const { path: _path, ...facts } = m;
        return { name: m.name, layers: m.layers, fileBytes: m.bytes, memoryBytes, facts };
      }),
    );
    this.logger.log(
      `worker ${this.id}: ${device.kind} ${device.name}, ${this.engine.threads} threads, ` +
        `budget ${mib(this.memoryBudgetBytes)} MiB, models: ${this.models.names().join(', ') || 'none'}`,
    );
    if (this.servable.length === 0) this.logger.warn(`no model found in ${env.MODELS_DIR}`);
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), env.HEARTBEAT_MS);
    this.kvSweeper.start();
    this.loop = this.readCommands();
  }

  /** Drains (see drain()), then stops reading commands and closes its connections. */
  async onApplicationShutdown(): Promise<void> {
    await this.drain();
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.heartbeatSoon);
    await this.kvSweeper.stop();
    await this.kvStates.close();
    this.blocking.disconnect();
    await this.loop?.catch(() => undefined);
    await this.profiles?.stop();
    await this.engine?.dispose();
    await this.queue.close().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
  }

  /**
   * Stops taking jobs (heartbeats say `draining`, so nothing new is placed here), gives running jobs
   * WORKER_DRAIN_TIMEOUT_MS to finish, hands the rest back with a checkpoint, unloads, deregisters.
   * Idempotent: a second call waits for the first.
   */
  drain(): Promise<void> {
    this.drained ??= this.drainOnce();
    return this.drained;
  }

  private async drainOnce(): Promise<void> {
    this.draining = true;
    if (!this.engine) return;
    await this.heartbeat();
    const running = this.runners.list();
    if (running.length > 0) {
      this.logger.log(
        `draining: ${running.length} running job(s) get ${this.env.WORKER_DRAIN_TIMEOUT_MS} ms to finish`,
      );
      const timer = setTimeout(() => {
        const left = this.runners.list();
        if (left.length > 0) this.logger.log(`handing ${left.length} job(s) back to the queue`);
        for (const runner of left) runner.stop('shutdown');
      }, this.env.WORKER_DRAIN_TIMEOUT_MS);
      await Promise.all(running.map((r) => r.done));
      clearTimeout(timer);
    }
    // Jobs dispatched while draining were handed back as they arrived; wait for those too.
    await Promise.all(this.runners.list().map((r) => r.done));
    await this.residency?.unloadAll();
    await this.kvStates.close();
    this.deregistered = true;
    await this.emit({ type: 'worker-stopping', workerId: this.id, at: Date.now() });
    await this.registry.remove(this.id).catch(() => undefined);
    this.logger.log(`worker ${this.id} drained and deregistered`);
  }

  /** The state this worker reports in its heartbeats. */
  state(): WorkerState {
    return reportWorkerState({
      id: this.id,
      engine: this.engine,
      env: this.env,
      memoryBudgetBytes: this.memoryBudgetBytes,
      runners: this.runners.list(),
      servable: this.servable,
      kvStates: this.kvStates.held(),
      warmModels: this.residency?.warmModels ?? NONE_WARM,
      appliedCommandId: this.appliedCommandId,
      draining: this.draining,
      startedAt: this.startedAt,
    });
  }

  private async heartbeat(): Promise<void> {
    if (!this.engine || this.deregistered) return;
    await this.registry.heartbeat(this.state(), this.env.WORKER_TTL_MS).catch((error: Error) => {
      this.logger.warn(`heartbeat failed: ${error.message}`);
    });
  }

  /** A heartbeat right after a change, so the scheduler sees freed slots at once. */
  private heartbeatNow(): void {
    clearTimeout(this.heartbeatSoon);
    this.heartbeatSoon = setTimeout(() => void this.heartbeat(), 5);
  }

  private async readCommands(): Promise<void> {
    while (!this.stopping) {
      let messages;
      try {
        messages = await this.commands.read(this.blocking, this.appliedCommandId, 1000);
      } catch (error) {
        if (this.stopping) return;
        this.logger.warn(`reading commands failed: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const { id, message } of messages) {
        if (this.stopping) return;
        await this.apply(message).catch((error: Error) =>
          this.logger.error(`command ${message.type} failed: ${error.message}`),
        );
        this.appliedCommandId = id;
        this.heartbeatNow();
      }
    }
  }

  private async apply(command: WorkerCommand): Promise<void> {
    switch (command.type) {
      case 'load':
        return this.residency!.load(command);
      case 'unload':
        return this.residency!.unload(command.model);
      case 'run':
        return this.admitJob(command);
      case 'cancel':
        this.runners.get(command.jobId)?.stop('cancel');
        // Cancelled while it waited: the state kept for its resume has no use any more.
        if (!this.runners.has(command.jobId)) await this.kvStates.drop(command.jobId);
        return;
      case 'preempt': {
        // Wait until the job is handed back: a run sent right behind this command needs its slot.
        const runner = this.runners.get(command.jobId);
        runner?.stop('preempt', command.reason);
        await runner?.done;
        return;
      }
      case 'drain':
        // Drained on request: then leave the way SIGTERM does, so a supervisor sees a clean exit.
        void this.drain().then(() => process.kill(process.pid, 'SIGTERM'));
        return;
    }
  }

  /** Starts a dispatched job once: a run resent on a reconnect is ignored; a stale run of it stops first. */
  private async admitJob(command: Extract<WorkerCommand, { type: 'run' }>): Promise<void> {
    const admission = this.runners.admit(command);
    if (admission.kind === 'duplicate' || admission.kind === 'outdated') {
      const why =
        admission.kind === 'outdated'
          ? 'an earlier dispatch than the run here'
          : `delivered again while it ${admission.of === 'running' ? 'runs' : 'has finished'} here`;
      this.logger.warn(`job ${command.jobId}: run ignored (${why})`);
      return;
    }
    if (admission.kind === 'supersedes') {
      this.logger.warn(
        `job ${command.jobId}: dispatched again with a new lock token; old run stops`,
      );
      admission.stale.stop('lock-lost');
      await admission.stale.done;
    }
    this.startJob(command);
  }

  private startJob(command: Extract<WorkerCommand, { type: 'run' }>): void {
    const runner = new JobRunner(
      {
        workerId: this.id,
        redis: this.redis,
        keys: this.keys,
        queue: this.queue,
        engine: this.engine,
        lockMs: this.env.JOB_LOCK_MS,
        promptChunkTokens: this.env.PROMPT_CHUNK_TOKENS,
        checkpointEveryTokens: this.env.CHECKPOINT_EVERY_TOKENS,
        kvStates: this.kvStates,
      },
      command,
    );
    this.runners.add(runner);
    // Dispatched before the scheduler saw the drain: hand it straight back.
    if (this.draining) runner.stop('shutdown');
    runner.done = runner
      .run()
      .catch((error: Error) => {
        this.logger.error(`job ${command.jobId}: ${error.message}`);
        return 'lost' as const;
      })
      .then(async (outcome) => {
        this.runners.remove(runner);
        this.metrics.recordRun(command.model, runner, outcome);
        this.heartbeatNow();
        const request = runner.requestId ? ` (request ${runner.requestId})` : '';
        this.logger.log(`job ${command.jobId} ${outcome}${request}`);
        await this.emit({
          type: 'job-finished',
          workerId: this.id,
          jobId: command.jobId,
          outcome,
          at: Date.now(),
        });
      });
  }

  private async emit(event: WorkerEvent): Promise<void> {
    await this.events.send(event).catch(() => undefined);
  }
}

/** Reported before the models are read: no model loaded yet. */
const NONE_WARM: ReadonlySet<string> = new Set<string>();

function mib(bytes: number): number {
  return Math.round(bytes / 1024 ** 2);
}
