import { Injectable, Logger } from '@nestjs/common';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { batchJobId, type BatchJobData } from '#switchyard/contracts';
import { ApiEnv } from '../config/api-env.js';
import { FileStore } from '../files/file-store.js';
import { readJsonlLines } from '../files/jsonl-reader.js';
import type { InferenceRequest } from '../jobs/inference-request.js';
import { JobsService, type NewJob } from '../jobs/jobs.service.js';
import { PromptFit } from '../jobs/prompt-fit.js';
import { ModelsService } from '../models/models.service.js';
import { BatchFinalizer } from './batch-finalizer.js';
import { BatchLineValidator, isLineProblem } from './batch-line-validator.js';
import { batchRequestId, errorLine, serializeLine } from './batch-output-line.js';
import { batchPaths, type BatchPaths } from './batch-paths.js';
import type { BatchRecord } from './batch-record.js';
import { BatchStore } from './batch-store.js';
import type { BatchErrorDto } from './dto/batch-object.dto.js';

/** Jobs added per addBulk (one Redis transaction each). */
export const ENQUEUE_CHUNK = 500;

/** Longest line a batch file may hold: the api's JSON body limit. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Bad lines listed in a failed batch's `errors` (the error file lists all of them). */
const MAX_LISTED_ERRORS = 100;

/** One valid request found by validation, as kept in the batch's requests file. */
interface RequestEntry {
  line: number;
  customId: string;
  request: InferenceRequest;
}

/**
 * Turns a validating batch into jobs, in two passes. First the whole input is validated line by
 * line: valid requests go to the batch's requests file, bad lines to its error file; a file
 * without a single valid request fails the batch, and nothing is enqueued. Then the requests are
 * added as jobs, in chunks (one addBulk each), with deterministic ids, the progress recorded
 * after each chunk: a creator that stops (a crash, a lost lock) is resumed from the last chunk by
 * the next one, and re-adding a chunk is a no-op. Only then does the batch go `in_progress`.
 */
@Injectable()
export class BatchCreator {
  private readonly logger = new Logger(BatchCreator.name);

  constructor(
    private readonly env: ApiEnv,
    private readonly models: ModelsService,
    private readonly jobs: JobsService,
    private readonly batches: BatchStore,
    private readonly files: FileStore,
    private readonly finalizer: BatchFinalizer,
    private readonly fit: PromptFit,
  ) {}

  /**
   * Validates the batch's input (once) and creates its jobs from where the last run stopped.
   * Stops between chunks when `signal` aborts or the batch leaves `validating` (cancelled, expired).
   */
  async run(batchId: string, signal: AbortSignal): Promise<void> {
    let batch = await this.batches.find(batchId);
    if (!batch || batch.status !== 'validating') return;
    const paths = batchPaths(await this.files.batchDir(batchId));
    if (!batch.validated) {
      if (!(await this.validate(batch, paths))) return;
      batch = await this.batches.find(batchId);
      if (!batch) return;
    }
    if (await this.enqueue(batch, paths, signal)) {
      const moved = await this.batches.transition(batchId, ['validating'], 'in_progress', {
        in_progress_at: Math.floor(Date.now() / 1000),
      });
      if (moved) this.logger.log(`batch ${batchId}: ${batch.valid} jobs created`);
    }
  }

  /** Pass 1; returns false when the batch failed (unusable input) or left `validating`. */
  private async validate(batch: BatchRecord, paths: BatchPaths): Promise<boolean> {
    if (!(await exists(paths.input))) {
      await this.finalizer.fail(batch, [
        problem('input_file_missing', `the batch's copy of ${batch.input_file_id} is missing`),
      ]);
      return false;
    }
    const validator = new BatchLineValidator(batch.endpoint, this.env, this.models, this.fit);
    const requests = createWriteStream(paths.requests);
    const errors = createWriteStream(paths.errors);
    const listed: BatchErrorDto[] = [];
    let total = 0;
    let valid = 0;
    let tooMany = false;
    try {
      for await (const entry of readJsonlLines(paths.input, MAX_LINE_BYTES)) {
        if (++total > this.env.BATCH_MAX_LINES) {
          tooMany = true;
          break;
        }
        const result = entry.oversized
          ? {
              code: 'line_too_long',
              message: `line ${entry.line} is longer than ${MAX_LINE_BYTES} bytes`,
              param: null,
            }
          : await validator.check(entry.line, entry.text);
        if (isLineProblem(result)) {
          const line = errorLine(
            batch.id,
            entry.line,
            result.customId ?? null,
            result.code,
            result.message,
          );
          await write(errors, serializeLine(line));
          if (listed.length < MAX_LISTED_ERRORS) {
            listed.push({
              code: result.code,
              message: result.message,
              param: result.param,
              line: entry.line,
            });
          }
        } else {
          valid++;
          const request: RequestEntry = {
            line: entry.line,
            customId: result.customId,
            request: result.request,
          };
          await write(requests, `${JSON.stringify(request)}\n`);
        }
      }
    } finally {
      await Promise.all([close(requests), close(errors)]);
    }
    if (tooMany) {
      await this.finalizer.fail(batch, [
        problem('too_many_lines', `the input holds more than ${this.env.BATCH_MAX_LINES} requests`),
      ]);
      return false;
    }
    if (valid === 0) {
      const errorsOrEmpty =
        listed.length > 0 ? listed : [problem('empty_file', 'the input file holds no requests')];
      await this.finalizer.fail(batch, errorsOrEmpty, { total, failed: total });
      return false;
    }
    // The counts start with the bad lines as failed; jobs add to them as they end.
    await this.batches.update(batch.id, { validated: 1, total, valid, failed: total - valid });
    await rm(paths.input, { force: true });
    this.logger.log(`batch ${batch.id}: ${valid} valid requests, ${total - valid} bad lines`);
    return true;
  }

  /** Pass 2; returns true once every request has its job. */
  private async enqueue(
    batch: BatchRecord,
    paths: BatchPaths,
    signal: AbortSignal,
  ): Promise<boolean> {
    let index = 0;
    let chunk: RequestEntry[] = [];
    for await (const entry of readJsonlLines(paths.requests, Number.MAX_SAFE_INTEGER)) {
      if (index++ < batch.enqueued) continue;
      chunk.push(JSON.parse(entry.text!) as RequestEntry);
      if (chunk.length === ENQUEUE_CHUNK) {
        if (!(await this.addChunk(batch, chunk, index, signal))) return false;
        chunk = [];
      }
    }
    return chunk.length === 0 || (await this.addChunk(batch, chunk, index, signal));
  }

  /** Adds one chunk of jobs unless the batch stopped validating; records the progress. */
  private async addChunk(
    batch: BatchRecord,
    chunk: RequestEntry[],
    enqueued: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (signal.aborted || (await this.batches.status(batch.id)) !== 'validating') return false;
    const deadline = batch.expires_at * 1000;
    const jobs: NewJob<BatchJobData>[] = chunk.map(({ line, customId, request }) => ({
      id: batchJobId(batch.id, line),
      data: {
        ...this.jobs.toJobData(request, batchRequestId(batch.id, line), batch.tenant),
        batch: { batchId: batch.id, line, customId },
        deadline,
      },
    }));
    // Lines first: a job that exists always has its line recorded.
    await this.batches.addLines(
      batch.id,
      chunk.map(({ line, customId }) => [line, customId]),
    );
    await this.jobs.enqueueMany(jobs);
    await this.batches.update(batch.id, { enqueued });
    return true;
  }
}

function problem(code: string, message: string): BatchErrorDto {
  return { code, message, param: null, line: null };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  stream.end();
  await once(stream, 'close');
}
