import { OPEN_TENANT } from '../auth/caller.js';
import type {
  BatchDto,
  BatchEndpoint,
  BatchErrorDto,
  BatchStatus,
} from './dto/batch-object.dto.js';

/** Why a batch stops before all of its requests ran. */
export type BatchEnding = 'cancelled' | 'expired';

/** The statuses a batch never leaves. */
export const FINAL_BATCH_STATUSES: readonly BatchStatus[] = [
  'completed',
  'failed',
  'expired',
  'cancelled',
];

/** Timestamps of the batch object (epoch seconds), one per status it reached. */
const TIMESTAMPS = [
  'in_progress_at',
  'finalizing_at',
  'completed_at',
  'failed_at',
  'expired_at',
  'cancelling_at',
  'cancelled_at',
] as const;

/** A batch as stored in its Redis hash: the batch object's fields and the tracker's own. */
export interface BatchRecord {
  id: string;
  /** The tenant of the key that created it; its jobs and files belong to the same. */
  tenant: string;
  endpoint: BatchEndpoint;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  created_at: number;
  expires_at: number;
  in_progress_at?: number;
  finalizing_at?: number;
  completed_at?: number;
  failed_at?: number;
  expired_at?: number;
  cancelling_at?: number;
  cancelled_at?: number;
  output_file_id?: string;
  error_file_id?: string;
  metadata: Record<string, string> | null;
  errors: BatchErrorDto[] | null;
  /** Request lines of the input (known once validated). */
  total: number;
  /** Requests answered 200. */
  completed: number;
  /** Bad lines plus requests that failed. */
  failed: number;
  /** Lines whose job was cancelled (or that expired) before it finished. */
  cancelled: number;
  /** Whether the input was read and split into valid requests and bad lines. */
  validated: boolean;
  /** Valid requests: the jobs the batch is made of. */
  valid: number;
  /** Jobs created so far (the valid requests are enqueued in order, in chunks). */
  enqueued: number;
  /** Jobs that ended (completed, failed or cancelled): `completed + failed - bad lines + cancelled`. */
  resolved: number;
  /** Set once the batch was cancelled or its window ran out. */
  ending?: BatchEnding;
}

/** The fields of a new batch's hash. */
export function newBatchHash(record: BatchRecord): Record<string, string | number> {
  return {
    id: record.id,
    tenant: record.tenant,
    endpoint: record.endpoint,
    input_file_id: record.input_file_id,
    completion_window: record.completion_window,
    status: record.status,
    created_at: record.created_at,
    expires_at: record.expires_at,
    metadata: JSON.stringify(record.metadata),
    errors: JSON.stringify(record.errors),
    total: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    validated: 0,
    valid: 0,
    enqueued: 0,
    resolved: 0,
  };
}

/** A batch record read back from its hash (HGETALL), or undefined for a missing one. */
export function parseBatchHash(hash: Record<string, string>): BatchRecord | undefined {
  if (!hash.id) return undefined;
  const record: BatchRecord = {
    id: hash.id,
    tenant: hash.tenant ?? OPEN_TENANT,
    endpoint: hash.endpoint as BatchEndpoint,
    input_file_id: hash.input_file_id,
    completion_window: hash.completion_window,
    status: hash.status as BatchStatus,
    created_at: Number(hash.created_at),
    expires_at: Number(hash.expires_at),
    metadata: JSON.parse(hash.metadata ?? 'null') as BatchRecord['metadata'],
    errors: JSON.parse(hash.errors ?? 'null') as BatchRecord['errors'],
    total: Number(hash.total ?? 0),
    completed: Number(hash.completed ?? 0),
    failed: Number(hash.failed ?? 0),
    cancelled: Number(hash.cancelled ?? 0),
    validated: hash.validated === '1',
    valid: Number(hash.valid ?? 0),
    enqueued: Number(hash.enqueued ?? 0),
    resolved: Number(hash.resolved ?? 0),
  };
  for (const field of TIMESTAMPS) if (hash[field]) record[field] = Number(hash[field]);
  if (hash.output_file_id) record.output_file_id = hash.output_file_id;
  if (hash.error_file_id) record.error_file_id = hash.error_file_id;
  if (hash.ending) record.ending = hash.ending as BatchEnding;
  return record;
}

/** OpenAI's batch object of a record. */
export function toBatchObject(record: BatchRecord): BatchDto {
  return {
    id: record.id,
    object: 'batch',
    endpoint: record.endpoint,
    errors:
      record.errors && record.errors.length > 0 ? { object: 'list', data: record.errors } : null,
    input_file_id: record.input_file_id,
    completion_window: record.completion_window,
    status: record.status,
    output_file_id: record.output_file_id ?? null,
    error_file_id: record.error_file_id ?? null,
    created_at: record.created_at,
    in_progress_at: record.in_progress_at ?? null,
    expires_at: record.expires_at,
    finalizing_at: record.finalizing_at ?? null,
    completed_at: record.completed_at ?? null,
    failed_at: record.failed_at ?? null,
    expired_at: record.expired_at ?? null,
    cancelling_at: record.cancelling_at ?? null,
    cancelled_at: record.cancelled_at ?? null,
    request_counts: { total: record.total, completed: record.completed, failed: record.failed },
    metadata: record.metadata,
  };
}

/** Seconds since the epoch, as the batch object's times are. */
export function epochSeconds(ms = Date.now()): number {
  return Math.floor(ms / 1000);
}
