import type { PreemptionRecord } from '#switchyard/contracts';
import type {
  FinishReason,
  JobPhase,
  JobState,
  JobTimings,
  PriorityClass,
} from '#switchyard/contracts';

/** Token counts, OpenAI-style. While a job runs only the completion tokens so far are known. */
export interface UsageDto {
  prompt_tokens: number | null;
  completion_tokens: number;
  total_tokens: number | null;
}

/** What `GET /v1/jobs/:id` answers: the job as its BullMQ state and progress tell it. */
export interface JobViewDto {
  id: string;
  state: JobState;
  phase: JobPhase;
  model: string;
  /** The tenant that submitted it. */
  tenant: string;
  priority: PriorityClass;
  /** Worker running (or that ran) the job. */
  worker: string | null;
  /** Layers of the model on the GPU for this run. */
  gpuLayers: number | null;
  /** Epoch milliseconds, like every time in this view. */
  submittedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Text so far while running, the result when done, the partial result when cancelled. */
  output: string | null;
  finish_reason: FinishReason | null;
  usage: UsageDto | null;
  timings: JobTimings | null;
  /** How many times the run was restarted from a checkpoint; known once it has finished. */
  resumes: number | null;
  /** Tokens taken over from a checkpoint of an interrupted run (null until it finishes). */
  resumedFromToken: number | null;
  /** Why it failed. */
  error: string | null;
  /** Why it waits (or moved), as the scheduler explains it. */
  reason: string | null;
  /** While queued: position among the waiting jobs of its class (1 = next). */
  position: number | null;
  /** While queued: the scheduler's predicted start (epoch ms). */
  estimatedStartAt: number | null;
  /** Every preemption so far, with its measured costs (stop, KV save, restore or recompute). */
  preemptions: PreemptionRecord[];
}
