import type { SlotTimeline } from './slot-timeline.js';
import type { PolicyRunningJob } from './snapshot.js';

/** The models running on a worker and the latest predicted end of each one's runs. */
export interface RunsSummary {
  /** The running list it was built from, and its length then (a dispatch pushes onto it). */
  list: PolicyRunningJob[];
  length: number;
  models: string[];
  lastEnds: number[];
  /** Jobs of each model running there. */
  counts: number[];
}

/**
 * What one round knows of one worker beyond the plan: its slot timelines, when its copies loaded
 * this round are ready, when it has applied this round's loads, and versions that change with it
 * (cache keys). One object per worker, so that a question about a worker is one lookup; it and
 * its parts are made on first use (a round of the simulator asks about few workers).
 */
export class WorkerRound {
  /** Changes with every change of the worker's plan, its queue included. */
  version = 0;
  /** Changes when its slots, memory or loads change (not when a waiting job books its queue). */
  stateVersion = 0;
  /** When the worker has applied the loads sent to it (absent: nothing in flight). */
  commandsUntil: number | undefined;
  /** When each copy loaded or re-offloaded this round (or still loading) is usable; absent: now. */
  readyAt: Map<string, number> | undefined;
  /** Copies loaded or reloaded by this round's actions. */
  roundLoads: Set<string> | undefined;
  /** Whether the slot timelines and run ends are built. */
  indexed = false;
  /** When the worker's slots are next free (set once indexed). */
  slots: SlotTimeline | undefined;
  /** The same per copy (real, or virtual once planned; set once indexed). */
  copySlots: Map<string, SlotTimeline> | undefined;
  /** Its runs' models and latest ends (see RoundTimelines.shareOn), while its running list is the same. */
  runs: RunsSummary | undefined;
  /** Host bytes its loaded copies take, summed again only when its copies change. */
  hostUsed: number | undefined;
}
