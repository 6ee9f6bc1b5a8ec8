import type { PriorityClass } from './priority-class.js';

/** One chat message, as clients send it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What a worker needs to resume an interrupted job: the tokens it had generated. */
export interface JobCheckpoint {
  tokens: number[];
  text: string;
  workerId: string;
  savedAt: number;
  /**
   * The KV state saved when the job was preempted, for an in-place resume on the worker holding
   * it (while it keeps the model loaded). A claim only: that worker may have dropped the file.
   */
  kvState?: KvStateRef;
}

/** A sequence's KV state saved to a file on one worker. */
export interface KvStateRef {
  workerId: string;
  model: string;
  /** The file, on that worker's disk. */
  path: string;
  bytes: number;
  /** Tokens (prompt and generated) whose KV the file holds. */
  tokens: number;
  /** Epoch ms when it was written. */
  savedAt: number;
}

/** The BullMQ job data: the request as accepted, plus the checkpoint of an interrupted run. */
export interface JobData {
  model: string;
  prompt?: string;
  messages?: ChatMessage[];
  maxTokens: number;
  temperature: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  priority: PriorityClass;
  /** Epoch ms when the api accepted it. */
  submittedAt: number;
  requestId?: string;
  /** The tenant of the API key that submitted it (`default` on an api without keys). */
  tenant?: string;
  checkpoint?: JobCheckpoint;
  /** Times the scheduler preempted it so far (the policy caps it). */
  preemptions?: number;
  /** Runs started on workers so far (a run that ends without finishing the job is resumed later). */
  runs?: number;
  /** Every preemption of this job, with what it cost. */
  preemptionLog?: PreemptionRecord[];
}

/** One preemption of a job and what it cost, measured by the workers involved. */
export interface PreemptionRecord {
  at: number;
  workerId: string;
  reason: string;
  /** Tokens generated when it stopped. */
  generatedTokens: number;
  /** Asked to stop → stopped at a token boundary and handed back (ms). */
  stopMs: number;
  /** KV state saved for an in-place resume (bytes and ms), when it was. */
  kvSavedBytes?: number;
  kvSaveMs?: number;
  /** Tokens whose KV the saved state holds. */
  kvSavedTokens?: number;
  /** Why no KV state was kept (the save failed, or the disk bound left no room for it). */
  kvSaveError?: string;
  /** How the next run got its state back: KV restored from the file, or recomputed from tokens. */
  resumedBy?: 'kv-restore' | 'recompute';
  /** Time the next run spent restoring or recomputing, up to its first new token (ms), and on which worker. */
  resumeMs?: number;
  resumedOn?: string;
  /** KV state read back by the next run (ms, bytes of the file, tokens kept), when it was. */
  kvRestoreMs?: number;
  kvRestoreBytes?: number;
  kvRestoredTokens?: number;
  /** Tokens the next run evaluated again (prompt and generated ones the restored state lacked). */
  recomputedTokens?: number;
  /** Why the next run recomputed although a KV state had been saved (elsewhere, dropped, unreadable). */
  resumeNote?: string;
}

/** Where a job is in its life; `queued` until a worker has it. */
export type JobPhase =
  | 'queued'
  | 'scheduled'
  | 'loading'
  | 'prefill'
  | 'decoding'
  | 'completed'
  | 'failed'
  | 'cancelled';

/** The public state of a job, derived from its BullMQ state and progress. */
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** BullMQ `progress` of an active job: what phase it is in and where. */
export interface JobProgress {
  phase: JobPhase;
  workerId?: string;
  gpuLayers?: number;
  completionTokens?: number;
  /** Output so far (written every few hundred ms while decoding). */
  text?: string;
  /** Why the job waits or moved, as the scheduler explains it. */
  reason?: string;
  /** While queued: 1-based position among the waiting jobs of its class. */
  position?: number;
  /** While queued: the scheduler's predicted start (epoch ms). */
  estimatedStartAt?: number;
  /** The partial result of a job cancelled while it ran. */
  result?: JobResult;
  updatedAt: number;
}

/** Timings of one run, all in milliseconds except the rate. */
export interface JobTimings {
  /** Accepted by the api → a worker started it. */
  queueWaitMs: number;
  /** Time this job waited for its model to load (0 when it was loaded already). */
  loadMs: number;
  prefillMs: number;
  /** Accepted by the api → first generated token. */
  timeToFirstTokenMs: number;
  decodeMs: number;
  decodeTokensPerSecond: number;
  /** Accepted by the api → finished. */
  totalMs: number;
}

/** Why generation ended. */
export type FinishReason = 'length' | 'stop' | 'cancelled';

/** The BullMQ return value of a completed job (and the partial result of a cancelled one). */
export interface JobResult {
  text: string;
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number };
  timings: JobTimings;
  workerId: string;
  gpuLayers: number;
  /** How many times the job was restarted (a worker died or released it). */
  resumes: number;
  /** Tokens taken from a checkpoint instead of generated by the final run (0 = ran in one go). */
  resumedFromToken: number;
  /** Every preemption of the job, with its measured costs. */
  preemptions: PreemptionRecord[];
}

/** The failure reason a cancelled job carries in BullMQ. */
export const CANCELLED_REASON = 'cancelled';

/** Prompt length before tokenizing: about 4 characters a token, as for real vocabularies. */
export function estimatePromptTokens(data: Pick<JobData, 'prompt' | 'messages'>): number {
  const text = data.prompt ?? (data.messages ?? []).map((m) => m.content).join('\n');
  return Math.ceil(text.length / 4) + 1;
}
