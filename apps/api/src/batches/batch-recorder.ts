import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { appendFile } from 'node:fs/promises';
import {
  batchJobId,
  CANCELLED_REASON,
  parseBatchJobId,
  type BatchJobData,
  type JobResult,
} from '#switchyard/contracts';
import type { JobsQueue } from '#switchyard/fleet';
import { JOBS_QUEUE_TOKEN } from '../core/tokens.js';
import { FileStore } from '../files/file-store.js';
import { completionFailure } from '../openai/openai-failure.js';
import { completionId, toCompletionBody } from '../openai/openai-response.mapper.js';
import {
  responseLine,
  serializeLine,
  unrunLine,
  type BatchOutputLine,
} from './batch-output-line.js';
import { batchPaths } from './batch-paths.js';
import { FINAL_BATCH_STATUSES, type BatchRecord } from './batch-record.js';
import { BatchStore, type LineOutcome } from './batch-store.js';

/**
 * Copies the results of finished batch jobs into their batch: a line in the output file (or the
 * error file) and the line's outcome in the counts. The results are copied as jobs finish, so a
 * batch does not depend on BullMQ keeping its jobs until the batch ends. Lines recorded already
 * are skipped; a line appended twice (a crash between the append and the count) is dropped when
 * the output file is written.
 */
@Injectable()
export class BatchRecorder {
  constructor(
    @Inject(JOBS_QUEUE_TOKEN) private readonly queue: JobsQueue,
    private readonly batches: BatchStore,
    private readonly files: FileStore,
  ) {}

  /** Records every finished job among `jobIds` (batch job ids; others are ignored). */
  async record(jobIds: Iterable<string>): Promise<void> {
    const byBatch = new Map<string, number[]>();
    for (const id of jobIds) {
      const ref = parseBatchJobId(id);
      if (!ref) continue;
      byBatch.set(ref.batchId, [...(byBatch.get(ref.batchId) ?? []), ref.line]);
    }
    for (const [batchId, lines] of byBatch) await this.recordLines(batchId, lines);
  }

  /**
   * Records the finished jobs of `lines` of one batch. A line whose job is gone (removed before it
   * ran) is recorded as not run, unless the batch is still being created (its job may be on its way).
   */
  async recordLines(batchId: string, lines: number[]): Promise<void> {
    const batch = await this.batches.find(batchId);
    if (!batch || FINAL_BATCH_STATUSES.includes(batch.status)) return;
    const done = await this.batches.doneAmong(batchId, lines);
    const pending = [...new Set(lines)].filter((line) => !done.has(line));
    if (pending.length === 0) return;
    const jobs = await Promise.all(
      pending.map((line) => this.queue.getJob(batchJobId(batchId, line))),
    );
    const outputs: string[] = [];
    const errors: string[] = [];
    const outcomes: [number, LineOutcome][] = [];
    const missing: number[] = [];
    for (const [i, job] of jobs.entries()) {
      if (!job) {
        missing.push(pending[i]);
        continue;
      }
      const ended = this.ending(batch, job as Job<BatchJobData, JobResult>);
      if (!ended) continue;
      outcomes.push([pending[i], ended.outcome]);
      (ended.outcome === 'completed' ? outputs : errors).push(serializeLine(ended.line));
    }
    if (outcomes.length > 0) {
      const paths = batchPaths(await this.files.batchDir(batchId));
      if (outputs.length > 0) await appendFile(paths.output, outputs.join(''));
      if (errors.length > 0) await appendFile(paths.errors, errors.join(''));
      await this.batches.markDone(batchId, outcomes);
    }
    if (missing.length > 0 && batch.status !== 'validating') {
      await this.recordUnrun(batch, await this.batches.customIds(batchId, missing));
    }
  }

  /**
   * Records lines whose jobs were removed before they ran (a cancelled or expired batch, or a
   * job cancelled through the native api) as not run.
   */
  async recordUnrun(batch: BatchRecord, lines: [line: number, customId: string][]): Promise<void> {
    const done = await this.batches.doneAmong(
      batch.id,
      lines.map(([line]) => line),
    );
    const fresh = lines.filter(([line]) => !done.has(line));
    if (fresh.length === 0) return;
    const paths = batchPaths(await this.files.batchDir(batch.id));
    await appendFile(
      paths.errors,
      fresh
        .map(([line, customId]) => serializeLine(unrunLine(batch.id, line, customId, batch.ending)))
        .join(''),
    );
    await this.batches.markDone(
      batch.id,
      fresh.map(([line]) => [line, 'cancelled']),
    );
  }

  /** How a job ended and the line it gives, or undefined while it has not finished. */
  private ending(
    batch: BatchRecord,
    job: Job<BatchJobData, JobResult>,
  ): { outcome: LineOutcome; line: BatchOutputLine } | undefined {
    const { line, customId } = job.data.batch;
    const jobId = job.id as string;
    if (job.finishedOn === undefined) return undefined;
    if (job.returnvalue && !job.failedReason) {
      const result = job.returnvalue;
      const kind = batch.endpoint === '/v1/chat/completions' ? 'chat' : 'text';
      const body = toCompletionBody(kind, {
        id: completionId(kind, jobId),
        created: Math.floor(job.data.submittedAt / 1000),
        model: job.data.model,
        text: result.text,
        finishReason: result.finishReason,
        usage: {
          prompt_tokens: result.usage.promptTokens,
          completion_tokens: result.usage.completionTokens,
          total_tokens: result.usage.totalTokens,
        },
      });
      return {
        outcome: 'completed',
        line: responseLine(batch.id, line, customId, jobId, 200, body),
      };
    }
    if (job.failedReason === CANCELLED_REASON) {
      return { outcome: 'cancelled', line: unrunLine(batch.id, line, customId, batch.ending) };
    }
    const failure = completionFailure('failed', job.failedReason, jobId);
    return {
      outcome: 'failed',
      line: responseLine(batch.id, line, customId, jobId, failure.status, { error: failure.error }),
    };
  }
}
