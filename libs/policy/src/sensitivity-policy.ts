import type { Decision } from './action.js';
import { byClassAndAge } from './backlog-order.js';
import type { PredictionMemo } from './cost-oracle.js';
import { IdOrder } from './id-order.js';
import { JobPlacer } from './job-placer.js';
import { ReoffloadPlanner } from './reoffload-planner.js';
import { RoundState } from './round-state.js';
import type { FleetSnapshot } from './snapshot.js';

/**
 * Switchyard's policy, after the multi-model serving study: jobs go where they are predicted to
 * finish soonest on heterogeneous devices; GPU layers go to the models whose demand gains most
 * per byte (small, sensitive models first) and move only when the gain pays for the reload;
 * higher classes that would miss their SLA preempt lower-class work by the cheapest way (pause
 * with KV kept, shrink or evict an idle model); residency, batching and a batch floor keep the
 * fleet from thrashing and batch work from starving. Pure: same snapshot, same decision.
 *
 * A round: (1) re-offload idle copies where demand has shifted enough; (2) interactive, then
 * standard jobs, oldest first, each placed by predicted finish (leaving the free slots owed to
 * batch work by its floor share), preempting only when it would otherwise miss its SLA; (3)
 * batch jobs that find a free slot of a loaded copy, oldest first, then (4) the other batch
 * jobs. Waiting jobs get a reason, a position in their class and an estimated start.
 */
export class SensitivityPolicy {
  /** Predictions memoized per cost model: a cache, so decisions stay a function of the snapshot. */
  private readonly memo: PredictionMemo = new WeakMap();
  /** The fleet's workers by id, kept between rounds: a cache too. */
  private readonly idOrder = new IdOrder();

  /** Decides re-offloads, preemptions, evictions, loads and dispatches for the window. */
  decide(snapshot: FleetSnapshot): Decision {
    const round = new RoundState(snapshot, this.memo, this.idOrder);
    new ReoffloadPlanner(round).run();
    const placer = new JobPlacer(round);
    const ordered = byClassAndAge(snapshot.backlog, round.settings.maxPreemptionsPerJob);
    for (const job of ordered) if (job.priority !== 'batch') placer.place(job, 'full');
    const batch = ordered.filter((job) => job.priority === 'batch');
    const rest = batch.filter((job) => !placer.place(job, 'ready-only'));
    for (const job of rest) placer.place(job, 'full');
    return { actions: round.plan.actions, waiting: placer.waiting() };
  }
}
