import type { PriorityClass, WorkerDevice } from '#switchyard/contracts';

/** A model as the policy sees it: its size and what a loaded copy costs in memory. */
export interface PolicyModel {
  name: string;
  layers: number;
  fileBytes: number;
  /** Memory one loaded copy needs at the fleet's context size and slots (weights + KV + buffers). */
  memoryBytes: number;
}

/** A model loaded (or being loaded) on a worker. */
export interface PolicyLoadedModel {
  model: string;
  gpuLayers: number;
  memoryBytes: number;
  slots: number;
  busySlots: number;
  loadedAt: number;
  lastUsedAt: number;
}

/** A worker as the policy sees it. */
export interface PolicyWorker {
  id: string;
  device: WorkerDevice;
  memoryBudgetBytes: number;
  slotsPerModel: number;
  maxConcurrentJobs: number;
  /** Models this worker can load. */
  models: string[];
  loaded: PolicyLoadedModel[];
  /** Jobs running (or dispatched and not yet finished) on it. */
  running: { jobId: string; model: string; priority: PriorityClass }[];
  draining: boolean;
}

/** A job in the scheduler's look-ahead window, not yet dispatched. */
export interface PolicyJob {
  id: string;
  model: string;
  priority: PriorityClass;
  submittedAt: number;
  maxTokens: number;
}

/** Everything `decide()` looks at; it reads no clock and does no I/O. */
export interface FleetSnapshot {
  now: number;
  workers: PolicyWorker[];
  backlog: PolicyJob[];
  models: Record<string, PolicyModel>;
  contextSize: number;
}
