/** The endpoints a batch can run. */
export const BATCH_ENDPOINTS = ['/v1/chat/completions', '/v1/completions'] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

/** A batch's lifecycle, as OpenAI names it. */
export type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

/** One reason a batch failed validation. */
export interface BatchErrorDto {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** OpenAI's batch object. Times are epoch seconds. */
export interface BatchDto {
  id: string;
  object: 'batch';
  endpoint: BatchEndpoint;
  errors: { object: 'list'; data: BatchErrorDto[] } | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  /** total: request lines; completed: answered 200; failed: bad lines and failed requests. */
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

/** `GET /v1/batches`: newest first, paged with `after`. */
export interface BatchListDto {
  object: 'list';
  data: BatchDto[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}
