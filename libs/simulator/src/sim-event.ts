import type { QueuedEvent } from './event-queue.js';
import type { SimInstance } from './sim-instance.js';
import type { SimJob } from './sim-job.js';
import type { SimWorker } from './sim-worker.js';

/**
 * Order of same-time events: facts first (a worker dies, a load ends, a phase ends), then
 * arrivals, then the decision round that sees them all — as the live scheduler wakes after the
 * events it reads.
 */
export const EVENT_RANK = {
  failure: 0,
  loadDone: 1,
  tick: 2,
  deliver: 2,
  returned: 3,
  arrival: 4,
  round: 9,
} as const;

/** One event of the simulation's queue. */
export type SimEvent = QueuedEvent &
  (
    | { kind: 'arrival' }
    | { kind: 'tick'; worker: SimWorker; version: number }
    | {
        kind: 'load-done';
        worker: SimWorker;
        generation: number;
        instance: SimInstance;
      }
    | {
        kind: 'failure';
        worker: SimWorker;
        recoverAfterMs?: number;
      }
    | { kind: 'recovery'; worker: SimWorker }
    | { kind: 'gone'; worker: SimWorker; generation: number }
    | { kind: 'return'; job: SimJob }
    | {
        kind: 'deliver';
        worker: SimWorker;
        generation: number;
      }
    | {
        kind: 'written-back';
        worker: SimWorker;
        generation: number;
        instance: SimInstance;
      }
    | { kind: 'round' }
  );
