import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  CANCELLED_REASON,
  estimatePromptTokens,
  RedisKeys,
  type JobData,
  type JobOutcome,
  type JobProgress,
  type JobResult,
  type JobStreamEvent,
  type WorkerCommand,
} from '#switchyard/contracts';
import { NoFreeSlotError, type GenerateResult, type LlamaEngine } from '#switchyard/engine';
import { JobStream, type JobsQueue } from '#switchyard/fleet';
import { KvResume } from './kv-resume.js';
import type { KvStateStore } from './kv-state-store.js';

type RunCommand = Extract<WorkerCommand, { type: 'run' }>;

/** Why a running job was stopped from outside. */
export type StopReason = 'cancel' | 'shutdown' | 'preempt' | 'lock-lost';

/** What a runner needs from its worker. */
export interface JobRunnerContext {
  workerId: string;
  redis: Redis;
  keys: RedisKeys;
  queue: JobsQueue;
  engine: LlamaEngine;
  lockMs: number;
  promptChunkTokens: number;
  checkpointEveryTokens: number;
  /** KV states of preempted jobs kept on this worker's disk for an in-place resume. */
  kvStates: KvStateStore;
}

// Streamed tokens are grouped for this long; progress (with the text so far) and checkpoints less often.
const STREAM_FLUSH_MS = 25;
const PROGRESS_EVERY_MS = 500;
const CHECKPOINT_MIN_MS = 250;

/**
 * Runs one dispatched job on this worker: holds its BullMQ lock with the scheduler's token,
 * streams phases and tokens, saves checkpoints, and finishes the job with that token —
 * completed, failed, cancelled (with partial output) or released back to the queue.
 */
export class JobRunner {
  private readonly logger = new Logger('JobRunner');
  private readonly abort = new AbortController();
  private stopReason?: StopReason;
  private stopDetail?: string;
  private stopRequestedAt = 0;
  private readonly kv: KvResume;
  completionTokens = 0;
  phase = 'scheduled';
  startedAt = Date.now();
  tokensPerSecond = 0;
  promptTokens = 0;
  maxTokens = 0;
  preemptions = 0;
  /** Settles when the job has left this worker. */
  done: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: JobRunnerContext,
    readonly command: RunCommand,
  ) {
    this.kv = new KvResume(ctx.kvStates, ctx.workerId, command.jobId, command.model);
  }

  /** Stops the job at the next chunk or token boundary. */
  stop(reason: StopReason, detail?: string): void {
    if (this.stopReason === undefined) {
      this.stopReason = reason;
      this.stopDetail = detail;
      this.stopRequestedAt = Date.now();
    }
    this.abort.abort();
  }

  /** Runs the job to its end and says how it left this worker. */
  async run(): Promise<JobOutcome> {
    const { jobId, lockToken } = this.command;
    const job = await Job.fromId<JobData, JobResult>(this.ctx.queue, jobId);
    if (!job) return 'lost';
    if (!(await job.extendLock(lockToken, this.ctx.lockMs).catch(() => 0))) {
      this.logger.warn(`job ${jobId}: its lock is no longer ours; dropping it`);
      return 'lost';
    }
    const renewal = setInterval(() => {
      void job
        .extendLock(lockToken, this.ctx.lockMs)
        .catch(() => 0)
        .then((ok) => {
          if (!ok) this.stop('lock-lost');
        });
    }, this.ctx.lockMs / 3);
    const stream = new TokenStreamBuffer(new JobStream(this.ctx.redis, this.ctx.keys, jobId));
    try {
      if (await this.ctx.redis.exists(this.ctx.keys.cancelRequest(jobId))) this.stop('cancel');
      return await this.execute(job, stream);
    } catch (error) {
      if (error instanceof NoFreeSlotError) {
        this.kv.unclaim();
        this.logger.warn(`job ${jobId}: no free slot; back to the queue`);
        await job.moveToWait(lockToken).catch(() => undefined);
        return 'released';
      }
      this.logger.error(`job ${jobId} failed: ${(error as Error).message}`);
      const failed = await job
        .moveToFailed(error as Error, lockToken, false)
        .then(() => true)
        .catch(() => false);
      await stream.close(failed ? 'failed' : undefined);
      return failed ? 'failed' : 'lost';
    } finally {
      clearInterval(renewal);
      await this.kv.release();
    }
  }

  private async execute(
    job: Job<JobData, JobResult>,
    stream: TokenStreamBuffer,
  ): Promise<JobOutcome> {
    const { workerId, engine } = this.ctx;
    const data: JobData = { ...job.data, runs: (job.data.runs ?? 0) + 1 };
    await job.updateData(data);
    this.maxTokens = data.maxTokens;
    this.preemptions = data.preemptions ?? 0;
    this.promptTokens = estimatePromptTokens(data);
    const loaded = engine.loadedModels().find((m) => m.name === data.model);
    if (!loaded) throw new Error(`model ${data.model} is not loaded on worker ${workerId}`);
    const loadMs = loaded.loadedAt > data.submittedAt ? loaded.loadMs : 0;
    await this.kv.claim(data, loaded.loadedAt);
    const resumed = data.checkpoint?.tokens ?? [];
    let text = data.checkpoint?.text ?? '';
    let lastProgress = 0;
    let lastCheckpoint = 0;
    const setPhase = async (phase: JobProgress['phase']) => {
      this.phase = phase;
      stream.push({ type: 'phase', phase, workerId, at: Date.now() });
      await this.progress(job, {
        phase,
        workerId,
        gpuLayers: loaded.gpuLayers,
        text,
        completionTokens: this.completionTokens,
      });
    };
    await setPhase('prefill');

    const generateStart = Date.now();
    const result: GenerateResult = await engine.generate(
      {
        model: data.model,
        prompt: data.messages ?? data.prompt ?? '',
        maxTokens: data.maxTokens,
        temperature: data.temperature,
        topP: data.topP,
        seed: data.seed,
        stop: data.stop,
        resumeTokens: resumed.length > 0 ? resumed : undefined,
        signal: this.abort.signal,
        promptChunkSize: this.ctx.promptChunkTokens,
        restoreStateFrom: this.kv.restorePath,
        // Saved only when preempted: the job will most likely resume here, on this model.
        saveStateTo: this.kv.saveTarget(() => this.stopReason === 'preempt'),
      },
      {
        checkpointEvery: this.ctx.checkpointEveryTokens,
        onPhase: (phase) => void (phase === 'decoding' ? setPhase('decoding') : undefined),
        onText: (delta, completionTokens) => {
          text += delta;
          this.completionTokens = completionTokens;
          stream.push({ type: 'token', text: delta, completionTokens });
          const elapsed = (Date.now() - generateStart) / 1000;
          this.tokensPerSecond = elapsed > 0 ? (completionTokens - resumed.length) / elapsed : 0;
          if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
            lastProgress = Date.now();
            void this.progress(job, {
              phase: 'decoding',
              workerId,
              gpuLayers: loaded.gpuLayers,
              text,
              completionTokens,
            });
          }
        },
        onCheckpoint: (tokens) => {
          if (Date.now() - lastCheckpoint < CHECKPOINT_MIN_MS) return;
          lastCheckpoint = Date.now();
          const checkpoint = { tokens, text, workerId, savedAt: Date.now() };
          void job.updateData({ ...data, checkpoint }).catch(() => undefined);
        },
      },
    );
    const finishedAt = Date.now();
    const jobResult: JobResult = {
      text: result.text,
      finishReason: result.finishReason,
      usage: {
        promptTokens: result.promptTokens,
        completionTokens: result.completionTokens,
        totalTokens: result.promptTokens + result.completionTokens,
      },
      timings: {
        queueWaitMs: this.startedAt - data.submittedAt,
        loadMs,
        prefillMs: result.timings.prefillMs,
        timeToFirstTokenMs: generateStart + result.timings.firstTokenMs - data.submittedAt,
        decodeMs: result.timings.decodeMs,
        decodeTokensPerSecond: result.timings.decodeTokensPerSecond,
        totalMs: finishedAt - data.submittedAt,
      },
      workerId,
      gpuLayers: loaded.gpuLayers,
      resumes: (data.runs ?? 1) - 1,
      resumedFromToken: resumed.length,
      preemptions: this.kv.resumeLog(data, result),
    };
    return this.finish(job, jobResult, result, stream, loaded.loadedAt);
  }

  private async finish(
    job: Job<JobData, JobResult>,
    jobResult: JobResult,
    result: GenerateResult,
    stream: TokenStreamBuffer,
    modelLoadedAt: number,
  ): Promise<JobOutcome> {
    const { lockToken, jobId } = this.command;
    if (result.finishReason !== 'cancelled' || this.stopReason === undefined) {
      await this.kv.discardSaved(result);
      await stream.flush();
      await job.moveToCompleted(jobResult, lockToken, false);
      await stream.close('completed');
      return 'completed';
    }
    switch (this.stopReason) {
      case 'cancel':
        await this.progress(job, {
          phase: 'cancelled',
          workerId: this.ctx.workerId,
          text: result.text,
          completionTokens: result.completionTokens,
          result: jobResult,
        });
        await job.moveToFailed(new Error(CANCELLED_REASON), lockToken, false);
        await this.ctx.redis.del(this.ctx.keys.cancelRequest(jobId));
        await stream.close('cancelled');
        return 'cancelled';
      case 'preempt':
      case 'shutdown': {
        const saved = result.savedState;
        // Stopped at a token boundary; the state save after it is measured on its own.
        const stopMs = Date.now() - this.stopRequestedAt - (saved?.ms ?? 0);
        const kept = this.kv.keep(saved, modelLoadedAt);
        const checkpoint = {
          tokens: result.tokens,
          text: result.text,
          workerId: this.ctx.workerId,
          savedAt: Date.now(),
          ...(kept.ref ? { kvState: kept.ref } : {}),
        };
        const preempted = this.stopReason === 'preempt';
        // This run's own resume (if it was one) is part of the log too.
        const preemptionLog = this.kv.resumeLog(job.data, result);
        if (preempted) {
          preemptionLog.push({
            at: this.stopRequestedAt,
            workerId: this.ctx.workerId,
            reason: this.stopDetail ?? 'preempted by the scheduler',
            generatedTokens: result.tokens.length,
            stopMs: Math.round(stopMs * 10) / 10,
            ...kept.record,
          });
        }
        const preemptions = (job.data.preemptions ?? 0) + (preempted ? 1 : 0);
        await job.updateData({ ...job.data, checkpoint, preemptions, preemptionLog });
        // Listed only once the checkpoint names it (see WorkerService's sweep of stale files).
        await this.kv.commit(kept);
        const why = this.stopReason === 'preempt' ? 'preempted' : 'shutting down';
        await this.progress(job, {
          phase: 'queued',
          reason: `released by worker ${this.ctx.workerId} (${why}); resumes from token ${result.tokens.length}`,
        });
        await job.moveToWait(lockToken);
        await stream.flush();
        return 'released';
      }
      case 'lock-lost':
        this.logger.warn(
          `job ${jobId}: lock lost while running; its work is dropped (another worker owns it now)`,
        );
        return 'lost';
    }
  }

  private async progress(
    job: Job<JobData, JobResult>,
    progress: Omit<JobProgress, 'updatedAt'>,
  ): Promise<void> {
    await job
      .updateProgress({ ...progress, updatedAt: Date.now() } as unknown as object)
      .catch(() => undefined);
  }
}

/** Groups stream events written within a few ms into one pipeline, so a fast model does not flood Redis. */
class TokenStreamBuffer {
  private pending: JobStreamEvent[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly stream: JobStream) {}

  push(event: JobStreamEvent): void {
    this.pending.push(event);
    this.timer ??= setTimeout(() => void this.flush(), STREAM_FLUSH_MS);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    this.pending = [];
    if (events.length > 0) await this.stream.sendMany(events).catch(() => undefined);
  }

  async close(state?: string): Promise<void> {
    await this.flush();
    if (state) await this.stream.end(state).catch(() => undefined);
  }
}
