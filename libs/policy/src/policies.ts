import type { Decision } from './action.js';
import { LruPolicy } from './lru-policy.js';
import { SensitivityPolicy } from './sensitivity-policy.js';
import type { FleetSnapshot } from './snapshot.js';

/** Names of the policies a scheduler can run; the first is the default. */
export const POLICY_NAMES = ['sensitivity', 'lru', 'fifo'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** A pure scheduling policy: snapshot in, actions out. */
export interface SchedulingPolicy {
  decide(snapshot: FleetSnapshot): Decision;
}

/** Builds the named policy. */
export function createPolicy(name: PolicyName): SchedulingPolicy {
  switch (name) {
    case 'sensitivity':
      return new SensitivityPolicy();
    case 'lru':
      return new LruPolicy({ strictFifo: false });
    case 'fifo':
      return new LruPolicy({ strictFifo: true });
  }
}
