import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CommonEnv } from '#switchyard/contracts';
import { POLICY_NAMES, type PolicyName } from '#switchyard/policy';

/** The scheduler's settings, validated at start-up. */
export class SchedulerEnv extends CommonEnv {
  /** Which policy decides: lru (default until the sensitivity policy lands) or fifo. */
  @IsIn(POLICY_NAMES as unknown as string[], {
    message: `SCHEDULER_POLICY must be one of ${POLICY_NAMES.join(', ')}`,
  })
  SCHEDULER_POLICY: PolicyName = 'lru';

  /** How many queued jobs the scheduler holds in its look-ahead window. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  SCHEDULER_WINDOW = 128;

  /** Longest pause between two decisions when nothing happens (ms). */
  @IsInt()
  @Min(10)
  SCHEDULER_TICK_MS = 250;

  /** BullMQ lock of a job: a worker that stops renewing it for this long loses the job (ms). */
  @IsInt()
  @Min(1000)
  JOB_LOCK_MS = 30_000;

  /** How often lapsed locks are looked for, returning their jobs to the queue (ms). */
  @IsInt()
  @Min(500)
  STALLED_INTERVAL_MS = 15_000;

  /** How many times a job may lose its worker before it is failed. */
  @IsInt()
  @Min(1)
  MAX_STALLED_COUNT = 5;

  /** Lease of the leader lock; a standby takes over this long after a leader dies (ms). */
  @IsInt()
  @Min(1000)
  LEADER_LEASE_MS = 10_000;

  /** This scheduler's id (default: host-pid). */
  @IsOptional()
  @IsString()
  SCHEDULER_ID?: string;
}
