import { InvariantViolation } from './invariant-violation.js';
import type { SimContext } from './sim-context.js';
import type { JobOutcome, SimJob } from './sim-job.js';

/** Ends jobs, once each: the conservation books of a run. */
export class JobLedger {
  /** Jobs ended so far. */
  ended = 0;
  /** When the last job ended (ms). */
  lastEndAt = 0;
  private readonly endCounts: Uint8Array;

  constructor(
    private readonly ctx: SimContext,
    jobCount: number,
  ) {
    this.endCounts = new Uint8Array(jobCount);
  }

  /**
   * Ends a job with its outcome; throws InvariantViolation when it had ended already. The
   * scheduler wakes for a completed or failed job unless `wake` is false (it learns later).
   */
  end(job: SimJob, outcome: JobOutcome, wake = true): void {
    const now = this.ctx.clock.now;
    job.phase = 'ended';
    job.outcome = outcome;
    job.endedAt = now;
    job.worker = undefined;
    job.instance = undefined;
    if (this.endCounts[job.spec.index]++ > 0) {
      throw new InvariantViolation(now, `job ${job.spec.id} ended twice`);
    }
    this.ended++;
    this.lastEndAt = now;
    this.ctx.metrics.jobEnded(job, outcome, now);
    if (outcome !== 'unfinished' && wake) this.ctx.rounds.wake();
  }
}
