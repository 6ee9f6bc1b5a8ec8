import type { PriorityClass } from '#switchyard/contracts';

/** What `POST /v1/jobs` answers (202). */
export interface JobAcceptedDto {
  id: string;
  state: 'queued';
  model: string;
  priority: PriorityClass;
  links: { self: string; events: string };
}
