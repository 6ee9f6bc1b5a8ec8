import type { PriorityClass } from '#switchyard/contracts';
import type {
  DeviceCatalog,
  EngineFactors,
  HostSpec,
  ModelSpec,
  Profiles,
} from '#switchyard/cost-model';
import type { PolicySettings } from '#switchyard/policy';

/** One recorded request of a trace: when it came (ms from the trace's first row) and its sizes. */
export interface TraceRow {
  atMs: number;
  promptTokens: number;
  outputTokens: number;
}

/** How many tokens a prompt or an answer has. */
export type LengthDistribution =
  | { type: 'fixed'; value: number }
  | { type: 'uniform'; min: number; max: number }
  | { type: 'lognormal'; median: number; sigma: number; min: number; max: number }
  | { type: 'choice'; values: number[]; weights: number[] };

/** When the jobs of a stream arrive. */
export type ArrivalProcess =
  /** Exponential gaps at a constant rate. */
  | { type: 'poisson'; ratePerSecond: number }
  /** Two-state Markov-modulated Poisson: quiet gaps and bursts, each of exponential length. */
  | {
      type: 'bursty';
      ratePerSecond: number;
      burstRatePerSecond: number;
      burstMs: number;
      gapMs: number;
    }
  /** A Poisson process whose rate follows a sine: rate × (1 + amplitude × cos(2π (t − peakAt) / period)). */
  | {
      type: 'diurnal';
      ratePerSecond: number;
      amplitude: number;
      periodMs: number;
      peakAtMs: number;
    }
  /** `count` jobs submitted together at `atMs` (a JSONL batch), spread evenly over `spreadMs`. */
  | { type: 'batch'; atMs: number; count: number; spreadMs: number }
  /** Arrivals and lengths replayed from a trace, its clock divided by `speedup`. */
  | { type: 'trace'; rows: TraceRow[]; speedup: number };

/** One source of jobs: its class, its arrival process, which models it asks for, how long. */
export interface WorkloadStream {
  name: string;
  /** Share of each class among the stream's jobs (one class at 1 for a single-class stream). */
  classMix: Partial<Record<PriorityClass, number>>;
  arrival: ArrivalProcess;
  /** Model names with their popularity weights (normalized when drawing). */
  models: { name: string; weight: number }[];
  promptTokens: LengthDistribution;
  outputTokens: LengthDistribution;
  /** The cap the client sets (what the policy sees); undefined: each job's own output length. */
  maxTokens?: number;
  startMs: number;
  endMs: number;
  /** At most this many jobs from the stream. */
  count?: number;
  /** Each job must complete this long after its submission: its own deadline, in place of its class's completion SLA. */
  deadlineMs?: number;
}

/** Identical workers: a catalog device, how many, what each may hold and run. */
export interface FleetGroup {
  /** Catalog id of the device ('cpu' for a CPU worker). */
  device: string;
  count: number;
  /** Worker ids are `${prefix}-${n}`, n from 1. */
  prefix: string;
  memoryBudgetBytes: number;
  slotsPerModel: number;
  maxConcurrentJobs: number;
  /** Host threads for CPU-resident layers. */
  threads: number;
  /** Models these workers can load (their registry). */
  models: string[];
  /** The machine these CPU workers share with other groups' (a ScenarioHost's name); none: each its own. */
  host?: string;
}

/**
 * A machine that several CPU workers run on: their llama.cpp threads compete for its cores (see
 * SimHost). Without one, every worker is a machine of its own.
 */
export interface ScenarioHost {
  name: string;
  /** Cores (vCPUs) of the machine. */
  cores: number;
  /** Threads other processes keep busy on it on average (api, scheduler, Redis); 0 by default. */
  otherThreads: number;
  /**
   * Whether every model file is in its page cache when the run starts (`"pageCache": "warm"`: a
   * machine that has just written or read them, as bench:sim-to-real's does); cold by default.
   * Either way a file one of its workers has loaded is warm for the others.
   */
  pageCacheWarm: boolean;
  /**
   * Each thread's speed, relative to alone, while every core runs one (shared caches and memory
   * bandwidth); 1 by default. Measure it: `cores` one-thread decodes in separate processes at once.
   */
  parallelSpeed: number;
}

/** The live scheduler's and workers' timing settings that shape a run. */
export interface SchedulerOptions {
  /** Look-ahead window (SCHEDULER_WINDOW). */
  window: number;
  /** Longest pause between two rounds while jobs wait (SCHEDULER_TICK_MS). */
  tickMs: number;
  /** Shortest gap between two rounds: a live round does Redis I/O and cannot run back to back. */
  minRoundIntervalMs: number;
  /** A dead worker's jobs come back this long after it died: lock expiry plus half a stalled-check period. */
  stalledReturnMs: number;
  /** The scheduler stops seeing a dead worker this long after its last heartbeat (WORKER_TTL_MS). */
  workerTtlMs: number;
  /** A running job saves a checkpoint every this many tokens (CHECKPOINT_EVERY_TOKENS). */
  checkpointEveryTokens: number;
  /**
   * Workers keep a keep-kv preemption's KV state and resume in place, as the action promises;
   * false: every resume recomputes the sequence (what the live worker does until it keeps KV).
   */
  kvResume: boolean;
  /** Prompt tokens a worker evaluates at a time (PROMPT_CHUNK_TOKENS): a CPU worker's turn. */
  promptChunkTokens: number;
  /**
   * A command reaches its worker this long after the round that sent it: the live round's Redis
   * writes around the send (the job's progress, the command) and the worker's stream read.
   */
  dispatchLatencyMs: number;
  /**
   * A job holds its slot this long before its prefill (or KV restore) starts, its worker's device
   * idle for it: the worker's per-job Redis reads and writes and the engine's set-up.
   */
  jobStartupMs: number;
  /**
   * After its last token a job's slot stays busy, to the scheduler, this long: the worker writes
   * the result and reports the job finished before the scheduler sees the slot free.
   */
  jobWriteBackMs: number;
}

/** A worker dying at `atMs`, and coming back empty `recoverAfterMs` later if set. */
export interface WorkerFailure {
  worker: string;
  atMs: number;
  recoverAfterMs?: number;
}

/** A model of the scenario with its cost-model spec. */
export interface ScenarioModel {
  name: string;
  spec: ModelSpec;
}

/** A validated scenario with every default filled in: what the simulator runs. */
export interface Scenario {
  name: string;
  description: string;
  seed: number;
  /** Arrivals happen in [0, durationMs). */
  durationMs: number;
  /** The run stops at durationMs + drainMs; jobs still open then end as unfinished. */
  drainMs: number;
  contextSize: number;
  fleet: FleetGroup[];
  /** Machines shared by CPU worker groups (FleetGroup.host names one). */
  hosts: ScenarioHost[];
  models: ScenarioModel[];
  workload: WorkloadStream[];
  settings: PolicySettings;
  scheduler: SchedulerOptions;
  failures: WorkerFailure[];
  host: HostSpec;
  factors: EngineFactors;
  profiles: Profiles;
}

/** Files a scenario refers to, which the caller reads before parsing (the parser does no I/O). */
export interface ScenarioFiles {
  /** Parsed trace rows by the `path` written in the scenario. */
  traces?: ReadonlyMap<string, TraceRow[]>;
  /** Specs of GGUF files by the `gguf` path written in the scenario. */
  ggufSpecs?: ReadonlyMap<string, ModelSpec>;
  /** Devices the fleet may name; the built-in catalog by default. */
  catalog?: DeviceCatalog;
}
