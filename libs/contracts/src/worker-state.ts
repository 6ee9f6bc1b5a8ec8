import type { ModelFacts } from './model-facts.js';
import type { PriorityClass } from './priority-class.js';

/** The kind of compute a worker process owns. */
export type DeviceKind = 'cpu' | 'cuda' | 'vulkan' | 'metal';

/** A worker's device as it detected it at start-up. */
export interface WorkerDevice {
  kind: DeviceKind;
  name: string;
  /** The device's id in the cost model's catalog ('cpu' for a CPU worker; absent when unknown). */
  catalogId?: string;
  gpuMemoryTotalBytes: number;
  ramTotalBytes: number;
  threads: number;
}

/** A model a worker can load, and the memory one copy needs there at the fleet's context size. */
export interface ServableModel {
  name: string;
  layers: number;
  fileBytes: number;
  memoryBytes: number;
  /** The GGUF's facts, from which the scheduler builds the model's cost-model spec. */
  facts: ModelFacts;
}

/** One model loaded on a worker. */
export interface LoadedModelState {
  model: string;
  gpuLayers: number;
  totalLayers: number;
  contextSize: number;
  slots: number;
  busySlots: number;
  memoryBytes: number;
  loadedAt: number;
  lastUsedAt: number;
}

/** One job running on a worker. */
export interface RunningJobState {
  jobId: string;
  model: string;
  priority: PriorityClass;
  phase: string;
  promptTokens: number;
  maxTokens: number;
  preemptions: number;
  completionTokens: number;
  tokensPerSecond: number;
  startedAt: number;
}

/** A KV state a worker keeps on its disk for a preempted job, until the job resumes or ends. */
export interface HeldKvState {
  jobId: string;
  model: string;
  bytes: number;
  tokens: number;
  savedAt: number;
}

/** What a worker says about itself in each heartbeat. */
export interface WorkerState {
  id: string;
  host: string;
  pid: number;
  device: WorkerDevice;
  memoryBudgetBytes: number;
  memoryUsedBytes: number;
  /** How many jobs may run at once per loaded model. */
  slotsPerModel: number;
  /** How many jobs may run at once on this worker, all models together. */
  maxConcurrentJobs: number;
  loaded: LoadedModelState[];
  running: RunningJobState[];
  /** Models this worker can load (its registry), with what a copy costs here. */
  models: ServableModel[];
  /** KV states of preempted jobs this worker holds (absent from workers that keep none). */
  kvStates?: HeldKvState[];
  /**
   * Models whose file this worker has read in full (a load that completed) since it started,
   * sorted: a proxy for the file being in the host's page cache, so that a load of another model
   * is predicted at storage speed. The proxy misses files other processes read and files the
   * kernel dropped since. Absent from older workers: every load is then predicted warm.
   */
  warmModels?: string[];
  /** Stream id of the last command this worker applied ('0-0' before any). */
  appliedCommandId: string;
  draining: boolean;
  startedAt: number;
  heartbeatAt: number;
}
