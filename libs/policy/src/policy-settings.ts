import type { PolicySettings } from './snapshot.js';

/** Defaults: interactive answers within 2 s, standard completes within 1 min, batch within a day. */
export const DEFAULT_POLICY_SETTINGS: PolicySettings = {
  sla: {
    interactive: { timeToFirstTokenMs: 2_000 },
    standard: { completionMs: 60_000 },
    batch: { completionMs: 86_400_000 },
  },
  maxPreemptionsPerJob: 2,
  minResidencyMs: 10_000,
  batchFloorShare: 0.1,
  reoffloadMinGain: 0.2,
};
