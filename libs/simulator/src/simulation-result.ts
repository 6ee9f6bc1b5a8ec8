import type { PriorityClass } from '#switchyard/contracts';

/** Figures of one class of jobs. */
export interface ClassMetrics {
  arrived: number;
  completed: number;
  failed: number;
  unfinished: number;
  /** Jobs that completed within every target of their class's SLA. */
  slaMet: number;
  /** slaMet / arrived (1 when none arrived). */
  slaAttainment: number;
  /** Tokens/s of the class's jobs that met their SLA, over the run's makespan. */
  goodputTokensPerSecond: number;
  /** Time to first token (ms from submission), over jobs that produced one. */
  ttftP50Ms: number;
  ttftP99Ms: number;
  /** Completion time (ms from submission), over completed jobs. */
  completionMeanMs: number;
  completionP50Ms: number;
  completionP90Ms: number;
  completionP99Ms: number;
}

/** Every figure of one run; deterministic for a scenario, a policy and a seed. */
export interface SimulationMetrics {
  jobs: {
    arrived: number;
    completed: number;
    failed: number;
    unfinished: number;
    clampedPrompts: number;
  };
  classes: Record<PriorityClass, ClassMetrics>;
  /** Tokens/s of jobs that met their SLA, all classes, over the makespan. */
  goodputTokensPerSecond: number;
  /** Tokens/s of every completed job. */
  throughputTokensPerSecond: number;
  /** From 0 to the last job's end (at least the scenario's duration; at most its drain limit). */
  makespanMs: number;
  preemptions: {
    count: number;
    totalCostMs: number;
    bytesMoved: number;
    keepKv: number;
    recompute: number;
  };
  loads: {
    count: number;
    reoffloads: number;
    unloads: number;
    bytesRead: number;
    bytesUploaded: number;
    totalMs: number;
    /** Loads refused: no room in the budget, model unknown, or a reload of a busy copy. */
    refused: number;
    /** Unloads refused because jobs still ran on the model. */
    refusedUnloads: number;
  };
  /** Share of the makespan each worker spent computing, mean over the fleet and per device. */
  utilisation: { mean: number; byDevice: Record<string, number> };
  scheduler: {
    rounds: number;
    actions: number;
    /** Actions that could not apply: dispatch of a job not in the window, unknown worker or model. */
    ignoredActions: number;
    /** Jobs handed back to the queue because the worker had no free slot. */
    noSlotReturns: number;
    /** Jobs a dead worker lost, returned by the stalled check. */
    lostJobs: number;
  };
}

/** Latencies of one class, ascending, for CDFs. */
export interface ClassLatencies {
  ttftMs: Float64Array;
  completionMs: Float64Array;
}

/** A worker as the report lists it. */
export interface WorkerInfo {
  id: string;
  device: string;
  memoryBudgetBytes: number;
  busyShare: number;
}

/** Everything one run produced: figures, latency distributions and timelines. */
export interface SimulationResult {
  scenario: string;
  policy: string;
  seed: number;
  durationMs: number;
  metrics: SimulationMetrics;
  latencies: Record<PriorityClass, ClassLatencies>;
  workers: WorkerInfo[];
  /** Per worker, [time ms, highest bytes in use] by bucket. */
  memoryTimeline: [number, number][][];
  /** Per class, [time ms, mean number of jobs waiting (queue and window)] by bucket. */
  queueTimeline: Record<PriorityClass, [number, number][]>;
  /** Wall-clock figures of this run; not deterministic, so kept apart from the metrics. */
  performance: { wallMs: number; decideMs: number; events: number };
}
