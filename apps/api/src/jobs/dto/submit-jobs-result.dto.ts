import type { FieldError } from '../../common/field-error.js';
import type { JobAcceptedDto } from './job-accepted.dto.js';

/** One accepted item of `POST /v1/jobs/batch`. */
export interface AcceptedItemDto extends JobAcceptedDto {
  index: number;
}

/** One refused item: the status and message `POST /v1/jobs` would have answered. */
export interface RefusedItemDto {
  index: number;
  error: { statusCode: number; message: string; errors?: FieldError[] };
}

/** What `POST /v1/jobs/batch` answers (202): one entry per item, in order. */
export interface SubmitJobsResultDto {
  accepted: number;
  refused: number;
  items: (AcceptedItemDto | RefusedItemDto)[];
}
