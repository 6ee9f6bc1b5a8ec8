import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import type { PolicySettings } from '#switchyard/policy';
import { BucketedSeries } from './bucketed-series.js';
import { mean, percentile, sortedCopy } from './percentile.js';
import type { JobOutcome, SimJob } from './sim-job.js';
import type { SimWorker } from './sim-worker.js';
import type {
  ClassLatencies,
  ClassMetrics,
  SimulationMetrics,
  SimulationResult,
} from './simulation-result.js';

/** What a run counts as it goes, turned into SimulationMetrics at its end. */
export interface RunCounters {
  rounds: number;
  actions: number;
  ignoredActions: number;
  noSlotReturns: number;
  lostJobs: number;
  preemptions: number;
  preemptionCostMs: number;
  preemptionBytes: number;
  keepKv: number;
  recompute: number;
  loads: number;
  reoffloads: number;
  unloads: number;
  loadBytesRead: number;
  loadBytesUploaded: number;
  loadMs: number;
  refusedLoads: number;
  refusedUnloads: number;
}

/** Buckets of the timelines over the run's longest possible span. */
const TIMELINE_BUCKETS = 600;

const perClass = <T>(make: () => T): Record<PriorityClass, T> => ({
  interactive: make(),
  standard: make(),
  batch: make(),
});

/**
 * The books of one run: counters, each ended job's latencies and SLA verdict, and the queue and
 * memory timelines; at the end, the figures of SimulationResult.
 */
export class MetricsRecorder {
  readonly counters: RunCounters = {
    rounds: 0,
    actions: 0,
    ignoredActions: 0,
    noSlotReturns: 0,
    lostJobs: 0,
    preemptions: 0,
    preemptionCostMs: 0,
    preemptionBytes: 0,
    keepKv: 0,
    recompute: 0,
    loads: 0,
    reoffloads: 0,
    unloads: 0,
    loadBytesRead: 0,
    loadBytesUploaded: 0,
    loadMs: 0,
    refusedLoads: 0,
    refusedUnloads: 0,
  };
  private readonly ttft = perClass<number[]>(() => []);
  private readonly completion = perClass<number[]>(() => []);
  private readonly slaTokens = perClass(() => 0);
  private readonly slaMet = perClass(() => 0);
  private readonly outcomes = perClass<Record<JobOutcome, number>>(() => ({
    completed: 0,
    failed: 0,
    unfinished: 0,
  }));
  private completedTokens = 0;
  private readonly queueSeries: Record<PriorityClass, BucketedSeries>;
  private readonly memorySeries: BucketedSeries[];

  /** Books for a run of at most `horizonMs` over `workers` workers. */
  constructor(
    private readonly settings: PolicySettings,
    horizonMs: number,
    workers: number,
  ) {
    const bucketMs = Math.max(1, horizonMs / TIMELINE_BUCKETS);
    this.queueSeries = perClass(() => new BucketedSeries(bucketMs, 'mean'));
    this.memorySeries = Array.from({ length: workers }, () => new BucketedSeries(bucketMs, 'max'));
  }

  /** Records a job's end at `now`: its outcome, latencies and whether it met its SLA. */
  jobEnded(job: SimJob, outcome: JobOutcome, now: number): void {
    const { priority: cls, submittedAt, outputTokens } = job.spec;
    this.outcomes[cls][outcome]++;
    if (outcome !== 'completed') return;
    const completion = now - submittedAt;
    const ttft = job.firstTokenAt! - submittedAt;
    this.ttft[cls].push(ttft);
    this.completion[cls].push(completion);
    this.completedTokens += outputTokens;
    const sla = this.settings.sla[cls];
    // A job's own deadline stands in for its class's completion target.
    const completionTarget =
      job.spec.deadlineAt !== undefined ? job.spec.deadlineAt - submittedAt : sla.completionMs;
    const met =
      (sla.timeToFirstTokenMs === undefined || ttft <= sla.timeToFirstTokenMs) &&
      (completionTarget === undefined || completion <= completionTarget);
    if (met) {
      this.slaMet[cls]++;
      this.slaTokens[cls] += outputTokens;
    }
  }

  /** Records how many jobs of a class wait (queue and window) from `at` on. */
  queueDepth(cls: PriorityClass, at: number, jobs: number): void {
    this.queueSeries[cls].record(at, jobs);
  }

  /** Records a worker's memory in use from `at` on. */
  memory(worker: number, at: number, bytes: number): void {
    this.memorySeries[worker].record(at, bytes);
  }

  /** The run's figures with `end` as its makespan (workers already advanced to it). */
  result(
    workers: readonly SimWorker[],
    end: number,
    clampedPrompts: number,
  ): Pick<
    SimulationResult,
    'metrics' | 'latencies' | 'workers' | 'memoryTimeline' | 'queueTimeline'
  > {
    const seconds = end / 1000;
    const classes = {} as Record<PriorityClass, ClassMetrics>;
    const latencies = {} as Record<PriorityClass, ClassLatencies>;
    let slaTokens = 0;
    for (const cls of PRIORITY_CLASSES) {
      const ttft = sortedCopy(this.ttft[cls]);
      const completion = sortedCopy(this.completion[cls]);
      const o = this.outcomes[cls];
      const arrived = o.completed + o.failed + o.unfinished;
      slaTokens += this.slaTokens[cls];
      classes[cls] = {
        arrived,
        completed: o.completed,
        failed: o.failed,
        unfinished: o.unfinished,
        slaMet: this.slaMet[cls],
        slaAttainment: arrived === 0 ? 1 : this.slaMet[cls] / arrived,
        goodputTokensPerSecond: this.slaTokens[cls] / seconds,
        ttftP50Ms: percentile(ttft, 50),
        ttftP99Ms: percentile(ttft, 99),
        completionMeanMs: mean(completion),
        completionP50Ms: percentile(completion, 50),
        completionP90Ms: percentile(completion, 90),
        completionP99Ms: percentile(completion, 99),
      };
      latencies[cls] = { ttftMs: ttft, completionMs: completion };
    }
    const byDevice: Record<string, number> = {};
    const deviceCounts: Record<string, number> = {};
    for (const w of workers) {
      byDevice[w.group.device] = (byDevice[w.group.device] ?? 0) + w.busyMs / end;
      deviceCounts[w.group.device] = (deviceCounts[w.group.device] ?? 0) + 1;
    }
    for (const d of Object.keys(byDevice)) byDevice[d] /= deviceCounts[d];
    const c = this.counters;
    const total = (outcome: JobOutcome) =>
      PRIORITY_CLASSES.reduce((n, cls) => n + this.outcomes[cls][outcome], 0);
    const metrics: SimulationMetrics = {
      jobs: {
        arrived: total('completed') + total('failed') + total('unfinished'),
        completed: total('completed'),
        failed: total('failed'),
        unfinished: total('unfinished'),
        clampedPrompts,
      },
      classes,
      goodputTokensPerSecond: slaTokens / seconds,
      throughputTokensPerSecond: this.completedTokens / seconds,
      makespanMs: end,
      preemptions: {
        count: c.preemptions,
        totalCostMs: c.preemptionCostMs,
        bytesMoved: c.preemptionBytes,
        keepKv: c.keepKv,
        recompute: c.recompute,
      },
      loads: {
        count: c.loads,
        reoffloads: c.reoffloads,
        unloads: c.unloads,
        bytesRead: c.loadBytesRead,
        bytesUploaded: c.loadBytesUploaded,
        totalMs: c.loadMs,
        refused: c.refusedLoads,
        refusedUnloads: c.refusedUnloads,
      },
      utilisation: { mean: mean(workers.map((w) => w.busyMs / end)), byDevice },
      scheduler: {
        rounds: c.rounds,
        actions: c.actions,
        ignoredActions: c.ignoredActions,
        noSlotReturns: c.noSlotReturns,
        lostJobs: c.lostJobs,
      },
    };
    return {
      metrics,
      latencies,
      workers: workers.map((w) => ({
        id: w.id,
        device: w.group.device,
        memoryBudgetBytes: w.memoryBudgetBytes,
        busyShare: w.busyMs / end,
      })),
      memoryTimeline: this.memorySeries.map((series) => series.points(end)),
      queueTimeline: {
        interactive: this.queueSeries.interactive.points(end),
        standard: this.queueSeries.standard.points(end),
        batch: this.queueSeries.batch.points(end),
      },
    };
  }
}
