import { IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { CommonEnv } from '#switchyard/contracts';
import {
  DEFAULT_POLICY_SETTINGS,
  POLICY_NAMES,
  type PolicyName,
  type PolicySettings,
} from '#switchyard/policy';

/** The scheduler's settings, validated at start-up. */
export class SchedulerEnv extends CommonEnv {
  /** Which policy decides: sensitivity (the default), lru or fifo. */
  @IsIn(POLICY_NAMES as unknown as string[], {
    message: `SCHEDULER_POLICY must be one of ${POLICY_NAMES.join(', ')}`,
  })
  SCHEDULER_POLICY: PolicyName = POLICY_NAMES[0];

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

  /** SLA: an interactive job's first token within this long of its submission (ms). */
  @IsInt()
  @Min(1)
  SLA_INTERACTIVE_TTFT_MS = DEFAULT_POLICY_SETTINGS.sla.interactive.timeToFirstTokenMs!;

  /** SLA: a standard job completes within this long (ms). */
  @IsInt()
  @Min(1)
  SLA_STANDARD_COMPLETION_MS = DEFAULT_POLICY_SETTINGS.sla.standard.completionMs!;

  /** SLA: a batch job completes within this long (ms). */
  @IsInt()
  @Min(1)
  SLA_BATCH_COMPLETION_MS = DEFAULT_POLICY_SETTINGS.sla.batch.completionMs!;

  /** A job is preempted at most this many times, then runs to the end. */
  @IsInt()
  @Min(0)
  MAX_PREEMPTIONS_PER_JOB = DEFAULT_POLICY_SETTINGS.maxPreemptionsPerJob;

  /** A model stays loaded at least this long before it may be evicted (ms). */
  @IsInt()
  @Min(0)
  MIN_RESIDENCY_MS = DEFAULT_POLICY_SETTINGS.minResidencyMs;

  /** Share of the fleet's slots kept for batch work while batch jobs wait (0..1). */
  @IsNumber()
  @Min(0)
  @Max(1)
  BATCH_FLOOR_SHARE = DEFAULT_POLICY_SETTINGS.batchFloorShare;

  /** Relative gain a re-offload must promise before it happens (hysteresis). */
  @IsNumber()
  @Min(0)
  REOFFLOAD_MIN_GAIN = DEFAULT_POLICY_SETTINGS.reoffloadMinGain;

  /** Port of the Prometheus /metrics endpoint (0 = off); a taken port is logged, not fatal. */
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  /** Interface the metrics port listens on. */
  @IsString()
  METRICS_HOST = '0.0.0.0';
  /** The policy settings these variables make. */
  policySettings(): PolicySettings {
    return {
      sla: {
        interactive: { timeToFirstTokenMs: this.SLA_INTERACTIVE_TTFT_MS },
        standard: { completionMs: this.SLA_STANDARD_COMPLETION_MS },
        batch: { completionMs: this.SLA_BATCH_COMPLETION_MS },
      },
      maxPreemptionsPerJob: this.MAX_PREEMPTIONS_PER_JOB,
      minResidencyMs: this.MIN_RESIDENCY_MS,
      batchFloorShare: this.BATCH_FLOOR_SHARE,
      reoffloadMinGain: this.REOFFLOAD_MIN_GAIN,
      // Every job the window holds gets an estimated start, however long the window.
      waitEstimates: this.SCHEDULER_WINDOW,
    };
  }
}
