import type { ChatMessage, PriorityClass } from '#switchyard/contracts';

/**
 * One validated inference request, whichever api it came through (`POST /v1/jobs`, the
 * OpenAI-compatible routes, a batch file line): what JobsService turns into a job.
 */
export interface InferenceRequest {
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  max_tokens: number;
  temperature: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[];
  priority: PriorityClass;
}
