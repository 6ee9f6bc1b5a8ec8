import type { DecisionRecord, PerClass, QueueDepthSample, SlaCounts } from './fleet-records.js';
import type { PriorityClass } from './priority-class.js';
import type { WorkerState } from './worker-state.js';

/** One worker as the fleet page shows it: its last heartbeat, less what only the scheduler needs. */
export type FleetWorker = Omit<WorkerState, 'pid' | 'models' | 'kvStates' | 'appliedCommandId'> & {
  /** KV states of preempted jobs the worker keeps on disk for an in-place resume. */
  keptKvStates: { count: number; bytes: number };
};

/** A job not yet placed, with why it waits (what `GET /v1/jobs/:id` says of it). */
export interface WaitingJob {
  id: string;
  model: string;
  priority: PriorityClass;
  tenant: string;
  submittedAt: number;
  /** 1-based position among the waiting jobs of its class. */
  position: number | null;
  /** Predicted start (epoch ms), when the policy can tell. */
  estimatedStartAt: number | null;
  reason: string | null;
}

/** `GET /v1/fleet`: everything the fleet page draws, in one answer. */
export interface FleetSnapshot {
  /** When the api assembled it (epoch ms). */
  at: number;
  scheduler: {
    /** Id of the scheduler holding the leader lock, or null when none leads. */
    leader: string | null;
    policy: string | null;
    leadingSince: number | null;
    /** When its last published decision round ran, how long decide() took, its window size. */
    lastRoundAt: number | null;
    decideMs: number | null;
    windowSize: number | null;
  };
  workers: FleetWorker[];
  queue: {
    /** Samples from the last ten minutes (or after `since`), oldest first. */
    samples: QueueDepthSample[];
    /** The newest sample's waiting jobs per class (zero without one). */
    waiting: PerClass;
    /** How often the scheduler samples (ms). */
    sampleEveryMs: number;
  };
  /**
   * Completed jobs per class that met or missed the class SLA since the fleet's keys were made,
   * and in `recent` those of the last `slaRecentMinutes` minutes; attainment = met / both.
   */
  sla: Record<PriorityClass, SlaAttainment & { recent: SlaAttainment }>;
  /** Minutes the `recent` SLA figures cover. */
  slaRecentMinutes: number;
  /** The scheduler's latest applied actions with their reasons, newest first. */
  decisions: DecisionRecord[];
  /** The first waiting jobs in the scheduler's order (by class, then placement), with reasons. */
  waiting: WaitingJob[];
}

/** Met and missed with their attainment (met / both; null before any completion). */
export interface SlaAttainment extends SlaCounts {
  attainment: number | null;
}
