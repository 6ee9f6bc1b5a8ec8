import { canSee, type Caller } from '../auth/caller.js';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { OpenAiException } from '../common/openai-error.js';
import { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { FileStore } from '../files/file-store.js';
import { FilesService } from '../files/files.service.js';
import { batchPaths } from './batch-paths.js';
import { epochSeconds, toBatchObject, type BatchRecord } from './batch-record.js';
import { BatchStore } from './batch-store.js';
import type { BatchDto, BatchListDto } from './dto/batch-object.dto.js';
import { completionWindowMs, type CreateBatchDto } from './dto/create-batch.dto.js';
import type { ListBatchesQueryDto } from './dto/list-batches-query.dto.js';

/** A new batch id, OpenAI-style. */
export function newBatchId(): string {
  return `batch_${randomBytes(12).toString('hex')}`;
}

/**
 * OpenAI's Batch API: creates batch records (the tracker validates them and creates their jobs),
 * reads them, pages through them, and asks for a cancel.
 */
@Injectable()
export class BatchesService {
  constructor(
    private readonly batches: BatchStore,
    private readonly files: FilesService,
    private readonly store: FileStore,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /**
   * Creates a batch in `validating` over a snapshot of its input file (a later delete of the file
   * does not touch it) and wakes the tracker. 404 for an unknown file, 400 for a file that is not
   * batch input or a window longer than 7 days. With an `idempotencyKey` the batch id derives
   * from the key, and a retry answers the batch the first request created.
   */
  async create(dto: CreateBatchDto, caller: Caller, idempotencyKey?: string): Promise<BatchDto> {
    const windowMs = completionWindowMs(dto.completion_window);
    if (windowMs === undefined) {
      throw new OpenAiException(400, 'completion_window must be at most 7d', {
        param: 'completion_window',
        code: 'invalid_value',
      });
    }
    const file = await this.files.find(dto.input_file_id);
    if (!file || !canSee(caller, file.tenant)) {
      throw new OpenAiException(404, `No such File object: ${dto.input_file_id}`, {
        param: 'input_file_id',
      });
    }
    if (file.purpose !== 'batch') {
      throw new OpenAiException(400, `File ${file.id} has purpose '${file.purpose}', not 'batch'`, {
        param: 'input_file_id',
        code: 'invalid_value',
      });
    }
    const claim =
      idempotencyKey === undefined
        ? undefined
        : await this.idempotency.claim(`batches:${caller.tenant}`, idempotencyKey, dto);
    const id = claim
      ? `batch_${claim.idFor('batch').replaceAll('-', '').slice(0, 24)}`
      : newBatchId();
    if (claim?.replayed) {
      // A retry: the first request's batch, unless that request died before recording it.
      const existing = await this.batches.find(id);
      if (existing) return toBatchObject(existing);
    }
    const now = Date.now();
    const record: BatchRecord = {
      id,
      tenant: caller.tenant,
      endpoint: dto.endpoint,
      input_file_id: file.id,
      completion_window: dto.completion_window,
      status: 'validating',
      created_at: epochSeconds(now),
      expires_at: epochSeconds(now + windowMs),
      metadata: dto.metadata ?? null,
      errors: null,
      total: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
      validated: false,
      valid: 0,
      enqueued: 0,
      resolved: 0,
    };
    const paths = batchPaths(await this.store.batchDir(record.id));
    try {
      await this.store.snapshot(file.id, paths.input);
    } catch (error) {
      await this.store.removeBatchDir(record.id);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new OpenAiException(404, `No such File object: ${dto.input_file_id}`, {
        param: 'input_file_id',
      });
    }
    await this.batches.create(record);
    return toBatchObject(record);
  }

  /** The batch object; 404 when unknown or another tenant's. */
  async get(id: string, caller: Caller): Promise<BatchDto> {
    return toBatchObject(await this.batches.require(id, caller));
  }

  /** The caller's batches, newest first, `limit` at a time after `after`. */
  async list(query: ListBatchesQueryDto, caller: Caller): Promise<BatchListDto> {
    const { records, more } = await this.batches.list(query.after, query.limit, caller);
    const data = records.map(toBatchObject);
    return {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
      has_more: more,
    };
  }

  /**
   * Cancels a validating or running batch: it goes `cancelling` at once, the tracker stops its
   * jobs (finished ones stay in the output) and then marks it `cancelled`. Cancelling a batch
   * being cancelled answers it as it is; a batch that ended (or is finalizing) is a 409.
   */
  async cancel(id: string, caller: Caller): Promise<BatchDto> {
    await this.batches.require(id, caller);
    const moved = await this.batches.transition(id, ['validating', 'in_progress'], 'cancelling', {
      cancelling_at: epochSeconds(),
      ending: 'cancelled',
    });
    const record = await this.batches.require(id, caller);
    if (moved) await this.batches.signal(id, 'cancelled');
    else if (record.status !== 'cancelling' && record.status !== 'cancelled') {
      throw new OpenAiException(409, `Cannot cancel a batch with status ${record.status}`, {
        param: 'batch_id',
      });
    }
    return toBatchObject(record);
  }
}
