import type { PriorityClass } from './priority-class.js';

/** How many applied actions the decisions stream keeps (about: it is trimmed with `~`). */
export const DECISIONS_KEPT = 200;

/** How often the scheduler leader samples the queue depth for the fleet page (ms). */
export const QUEUE_DEPTH_SAMPLE_MS = 2_000;

/** One action the scheduler leader applied, as its decisions stream keeps it. */
export interface DecisionRecord {
  /** When the round that chose it ran (epoch ms). */
  at: number;
  type: 'load' | 'unload' | 'reoffload' | 'dispatch' | 'preempt';
  workerId: string;
  model: string;
  /** The job dispatched or preempted. */
  jobId?: string;
  /** GPU layers of a load or re-offload. */
  gpuLayers?: number;
  /** How a preempted job will resume: keeping its KV state, or recomputing. */
  path?: 'keep-kv' | 'recompute';
  /** The policy's own words for why. */
  reason: string;
}

/** A count per priority class. */
export type PerClass = Record<PriorityClass, number>;

/** The backlog and the work in progress at one moment, sampled by the scheduler leader. */
export interface QueueDepthSample {
  at: number;
  /** Jobs not yet placed: in the queue plus in the scheduler's look-ahead window. */
  waiting: PerClass;
  /** Jobs running on workers, by their heartbeats. */
  running: PerClass;
  /** Decode tokens per second of every running job together. */
  tokensPerSecond: number;
}

/** Completed jobs of one class that met or missed its SLA. */
export interface SlaCounts {
  met: number;
  missed: number;
}

/** Minutes of completions the recent SLA figures cover (the fleet page's tiles). */
export const SLA_RECENT_MINUTES = 15;
