import { classRank, type PriorityClass } from '#switchyard/contracts';
import type { PolicyJob, PolicyRunningJob, PolicySettings } from './snapshot.js';

/**
 * What a round may still preempt and what it owes batch work: the running jobs that may be
 * paused, counted per class; the batch jobs running; the batch floor (a share of the fleet's
 * slots batch work keeps while it has jobs). RoundState keeps it up to date as it dispatches
 * and preempts.
 */
export class PreemptionLedger {
  /** Slots batch work keeps while batch jobs wait or run (see batchFloorShare). */
  batchFloorSlots = 0;
  /** Batch jobs running (or dispatched in this decision), preempted ones excluded. */
  batchRunning = 0;
  private readonly victims = new Map<PriorityClass, number>();
  private readonly dispatched = new Set<string>();

  constructor(private readonly settings: PolicySettings) {}

  /** Counts a job running on a live worker at the start of the round. */
  countRunning(run: PolicyRunningJob): void {
    if (run.priority === 'batch' && !run.preempting) this.batchRunning += 1;
    if (this.isVictim(run)) this.countVictim(run, 1);
  }

  /**
   * Sets the floor once the running jobs are counted: `totalSlots` of the live workers,
   * `batchWaiting` batch jobs in the window.
   */
  setFloor(totalSlots: number, batchWaiting: number): void {
    const batchJobs = batchWaiting + this.batchRunning;
    const share = this.settings.batchFloorShare;
    // Rounded up, so a small fleet still keeps one slot for batch work while it has any; but never
    // the last slot, or a one-slot fleet would serve batch before interactive work.
    this.batchFloorSlots =
      share > 0 && batchJobs > 0
        ? Math.min(Math.ceil(share * totalSlots), batchJobs, Math.max(0, totalSlots - 1))
        : 0;
  }

  /** Records a dispatch: the job runs (and cannot be stopped before the worker starts it). */
  dispatch(job: PolicyJob): void {
    this.dispatched.add(job.id);
    if (job.priority === 'batch') this.batchRunning += 1;
  }

  /** Records a preemption (before the plan marks the job). */
  preempt(run: PolicyRunningJob): void {
    if (this.isVictim(run)) this.countVictim(run, -1);
    if (run.priority === 'batch') this.batchRunning -= 1;
  }

  /** Whether a running job may be preempted for a job of `rank` (class, cap, batch floor). */
  mayPreempt(run: PolicyRunningJob, rank: number): boolean {
    if (classRank(run.priority) <= rank || !this.isVictim(run)) return false;
    return run.priority !== 'batch' || this.batchMayYield();
  }

  /** Whether one more batch job may be preempted without going under the floor. */
  batchMayYield(): boolean {
    return this.batchRunning - 1 >= this.batchFloorSlots;
  }

  /** Whether some running job may be preempted for a job of `rank`. */
  anyVictimFor(rank: number): boolean {
    const standard = this.victims.get('standard') ?? 0;
    const batch = this.victims.get('batch') ?? 0;
    const batchAllowed = batch > 0 && this.batchMayYield();
    return (
      (rank < classRank('standard') && standard > 0) || (rank < classRank('batch') && batchAllowed)
    );
  }

  /** Slots still owed to batch work: higher classes leave this many free slots to it. */
  owedToBatch(): number {
    return Math.max(0, this.batchFloorSlots - this.batchRunning);
  }

  /**
   * A job the worker has started (not one whose dispatch is in flight, which it could not stop
   * yet), that is not being preempted already and is under the preemption cap.
   */
  private isVictim(run: PolicyRunningJob): boolean {
    return (
      run.startedAt !== undefined &&
      !run.preempting &&
      !this.dispatched.has(run.jobId) &&
      (run.preemptions ?? 0) < this.settings.maxPreemptionsPerJob
    );
  }

  private countVictim(run: PolicyRunningJob, delta: number): void {
    this.victims.set(run.priority, (this.victims.get(run.priority) ?? 0) + delta);
  }
}
