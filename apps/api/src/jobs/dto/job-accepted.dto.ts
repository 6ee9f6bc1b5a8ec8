import type { JobState, PriorityClass } from '#switchyard/contracts';

/**
 * What `POST /v1/jobs` answers (202): `queued`, or, for a retry with the same Idempotency-Key,
 * the state the first request's job is in now.
 */
export interface JobAcceptedDto {
  id: string;
  state: JobState;
  model: string;
  priority: PriorityClass;
  links: { self: string; events: string };
}
