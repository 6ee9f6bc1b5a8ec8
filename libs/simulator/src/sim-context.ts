import { EventQueue } from './event-queue.js';
import type { FailureHandler } from './failure-handler.js';
import type { JobLedger } from './job-ledger.js';
import type { MetricsRecorder } from './metrics-recorder.js';
import type { Scenario } from './scenario.js';
import type { SchedulerRounds } from './scheduler-rounds.js';
import type { SimEvent } from './sim-event.js';
import type { Clock, SimWorker } from './sim-worker.js';
import type { WorkerCommands } from './worker-commands.js';
import type { WorkerCompute } from './worker-compute.js';

/**
 * What the parts of one simulation share: the scenario, the clock, the event queue, the fleet,
 * the books, and each other (the parts call one another as the live processes message each
 * other: a round sends commands, a finished job wakes the scheduler). The Simulator wires the
 * parts in once, before the first event.
 */
export class SimContext {
  readonly clock: Clock = { now: 0 };
  readonly events = new EventQueue<SimEvent>();
  rounds!: SchedulerRounds;
  commands!: WorkerCommands;
  compute!: WorkerCompute;
  failures!: FailureHandler;
  ledger!: JobLedger;

  constructor(
    readonly scenario: Scenario,
    readonly metrics: MetricsRecorder,
    readonly workers: readonly SimWorker[],
    readonly workersById: ReadonlyMap<string, SimWorker>,
  ) {}
}
