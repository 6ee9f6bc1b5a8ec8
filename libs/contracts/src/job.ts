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
  checkpoint?: JobCheckpoint;
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
  /** How many times the job was resumed from a checkpoint. */
  resumes: number;
}

/** The failure reason a cancelled job carries in BullMQ. */
export const CANCELLED_REASON = 'cancelled';
