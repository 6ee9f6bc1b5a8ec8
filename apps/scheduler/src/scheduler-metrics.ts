import {
  PRIORITY_CLASSES,
  type JobResult,
  type PriorityClass,
  type PreemptionRecord,
} from '#switchyard/contracts';
import { createProcessRegistry } from '#switchyard/metrics';
import type { Action, PolicySettings } from '#switchyard/policy';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the scheduler knows of a job it dispatched, to label its completion. */
export interface DispatchedJob {
  priority: PriorityClass;
  model: string;
}

// Seconds from 10 ms to 30 min: interactive first tokens and batch completions on one scale.
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800];
// decide() is pure and fast: 10 µs to 1 s.
const DECIDE_BUCKETS = [1e-5, 5e-5, 1e-4, 5e-4, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1];
// Bound on remembered dispatches whose completion never came (lost jobs, another leader took over).
const MAX_TRACKED_JOBS = 20_000;

/**
 * The scheduler's Prometheus series: its decisions (count, decide() latency, actions by type,
 * preemptions), the look-ahead window per class, and job outcomes seen in the queue's events
 * (wait, first token and completion times per class and model, SLA met or missed).
 */
export class SchedulerMetrics {
  readonly registry: Registry = createProcessRegistry('scheduler');
  private readonly dispatched = new Map<string, DispatchedJob>();
  private readonly decisions = new Counter({
    name: 'switchyard_scheduler_decisions_total',
    help: 'Decision rounds (decide() calls) of the leading scheduler; rate() gives decisions per second',
    registers: [this.registry],
  });
  private readonly decideSeconds = new Histogram({
    name: 'switchyard_scheduler_decide_seconds',
    help: 'Time spent in the policy decide() call',
    buckets: DECIDE_BUCKETS,
    registers: [this.registry],
  });
  private readonly actions = new Counter({
    name: 'switchyard_scheduler_actions_total',
    help: 'Actions applied, by type (dispatch, load, unload, reoffload, preempt)',
    labelNames: ['type'],
    registers: [this.registry],
  });
  private readonly preemptions = new Counter({
    name: 'switchyard_scheduler_preemptions_total',
    help: 'Preemptions ordered: the class of the job they were for, the victim class, the path (keep-kv or recompute)',
    labelNames: ['for_class', 'victim_class', 'path'],
    registers: [this.registry],
  });
  private readonly window = new Gauge({
    name: 'switchyard_scheduler_window_jobs',
    help: 'Jobs held in the look-ahead window waiting for a placement, per class (add switchyard_queue_jobs of the api for the whole queue)',
    labelNames: ['class'],
    registers: [this.registry],
  });
  private readonly waitSeconds = this.histogram(
    'switchyard_job_wait_seconds',
    'Accepted by the api until a worker started the final run, per class and model',
  );
  private readonly firstTokenSeconds = this.histogram(
    'switchyard_job_time_to_first_token_seconds',
    'Accepted by the api until the first generated token, per class and model',
  );
  private readonly completionSeconds = this.histogram(
    'switchyard_job_completion_seconds',
    'Accepted by the api until completed, per class and model',
  );
  private readonly completed = new Counter({
    name: 'switchyard_jobs_completed_total',
    help: 'Jobs completed, per class and model',
    labelNames: ['class', 'model'],
    registers: [this.registry],
  });
  private readonly sla = new Counter({
    name: 'switchyard_sla_total',
    help: 'Completed jobs that met or missed their class SLA (outcome met|missed), per class',
    labelNames: ['class', 'outcome'],
    registers: [this.registry],
  });
  private readonly resumeSeconds = new Histogram({
    name: 'switchyard_preemption_resume_seconds',
    help: 'Cost of a preemption paid when the job resumed: restore or recompute up to its first new token (from completed jobs)',
    labelNames: ['resumed_by'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(private readonly settings: PolicySettings) {
    for (const c of PRIORITY_CLASSES) {
      this.window.labels({ class: c }).set(0);
      for (const outcome of ['met', 'missed']) this.sla.labels({ class: c, outcome }).inc(0);
    }
  }

  /** One decision round: its decide() time, its actions, and the window it looked at. */
  recordDecision(
    decideMs: number,
    actions: Action[],
    window: PriorityClass[],
    runningClassOf: (jobId: string) => PriorityClass | undefined,
  ): void {
    this.decisions.inc();
    this.decideSeconds.observe(decideMs / 1000);
    for (const action of actions) {
      this.actions.labels({ type: action.type }).inc();
      if (action.type === 'preempt') {
        this.preemptions
          .labels({
            for_class: classNamedFirst(action.reason),
            victim_class: runningClassOf(action.jobId) ?? 'unknown',
            path: action.path,
          })
          .inc();
      }
    }
    for (const c of PRIORITY_CLASSES) {
      this.window.labels({ class: c }).set(window.filter((p) => p === c).length);
    }
  }

  /** A job was dispatched: remember its class and model for its completion. */
  recordDispatch(jobId: string, job: DispatchedJob): void {
    this.dispatched.delete(jobId);
    this.dispatched.set(jobId, job);
    if (this.dispatched.size > MAX_TRACKED_JOBS) {
      this.dispatched.delete(this.dispatched.keys().next().value!);
    }
  }

  /** The class and model remembered for a dispatched job. */
  dispatchOf(jobId: string): DispatchedJob | undefined {
    return this.dispatched.get(jobId);
  }

  /** A job left the queue without completing (failed, cancelled): forget it. */
  forget(jobId: string): void {
    this.dispatched.delete(jobId);
  }

  /** A completed job: its times per class and model, and whether it met its class SLA (returned). */
  recordCompletion(jobId: string, job: DispatchedJob, result: JobResult): boolean {
    this.dispatched.delete(jobId);
    const labels = { class: job.priority, model: job.model };
    const t = result.timings;
    this.completed.labels(labels).inc();
    this.waitSeconds.labels(labels).observe(t.queueWaitMs / 1000);
    this.firstTokenSeconds.labels(labels).observe(t.timeToFirstTokenMs / 1000);
    this.completionSeconds.labels(labels).observe(t.totalMs / 1000);
    const target = this.settings.sla[job.priority];
    const met =
      (target.timeToFirstTokenMs === undefined ||
        t.timeToFirstTokenMs <= target.timeToFirstTokenMs) &&
      (target.completionMs === undefined || t.totalMs <= target.completionMs);
    this.sla.labels({ class: job.priority, outcome: met ? 'met' : 'missed' }).inc();
    for (const record of result.preemptions ?? []) this.recordResume(record);
    return met;
  }

  private recordResume(record: PreemptionRecord): void {
    if (record.resumeMs === undefined) return;
    this.resumeSeconds
      .labels({ resumed_by: record.resumedBy ?? 'unknown' })
      .observe(record.resumeMs / 1000);
  }

  private histogram(name: string, help: string): Histogram<'class' | 'model'> {
    return new Histogram({
      name,
      help,
      labelNames: ['class', 'model'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }
}

/** The class a policy reason starts with ("interactive job j1 would miss…"), for a bounded label. */
function classNamedFirst(reason: string): string {
  const first = reason.split(' ', 1)[0];
  return (PRIORITY_CLASSES as readonly string[]).includes(first) ? first : 'other';
}
