import type { PriorityClass } from './priority-class.js';

/**
 * Commands the scheduler sends to one worker, applied in order.
 * `seq` orders them; the worker reports the last one it applied.
 */
export type WorkerCommand =
  | { type: 'load'; model: string; gpuLayers: number; contextSize: number; slots: number }
  | { type: 'unload'; model: string }
  | {
      type: 'run';
      jobId: string;
      lockToken: string;
      model: string;
      priority: PriorityClass;
      dispatchedAt: number;
    }
  | { type: 'cancel'; jobId: string }
  | { type: 'preempt'; jobId: string; reason: string }
  | { type: 'drain'; requestedAt: number };

/** Commands any process sends to the scheduler leader. */
export type SchedulerCommand = { type: 'cancel'; jobId: string; requestedAt: number };

/** How a job left a worker. `released` = handed back to the queue (preempted or shut down). */
export type JobOutcome = 'completed' | 'failed' | 'cancelled' | 'released' | 'lost';

/** Events workers send to the scheduler. */
export type WorkerEvent =
  | { type: 'job-started'; workerId: string; jobId: string; at: number }
  | { type: 'job-finished'; workerId: string; jobId: string; outcome: JobOutcome; at: number }
  | {
      type: 'model-loaded';
      workerId: string;
      model: string;
      gpuLayers: number;
      memoryBytes: number;
      loadMs: number;
      at: number;
    }
  | { type: 'model-load-failed'; workerId: string; model: string; error: string; at: number }
  | { type: 'model-unloaded'; workerId: string; model: string; at: number }
  | { type: 'worker-stopping'; workerId: string; at: number };

/** What a job's token stream carries, read by the api's SSE endpoint. */
export type JobStreamEvent =
  | { type: 'phase'; phase: string; workerId?: string; at: number }
  | { type: 'token'; text: string; completionTokens: number }
  | { type: 'end'; state: string; at: number };
