/** Load a model on a worker with `gpuLayers` of its layers on the GPU. */
export interface LoadAction {
  type: 'load';
  workerId: string;
  model: string;
  gpuLayers: number;
  contextSize: number;
  slots: number;
  reason: string;
}

/** Unload an idle model from a worker. */
export interface UnloadAction {
  type: 'unload';
  workerId: string;
  model: string;
  reason: string;
}

/** Hand a job to a worker that has (or is loading) its model. */
export interface DispatchAction {
  type: 'dispatch';
  workerId: string;
  jobId: string;
  model: string;
  reason: string;
}

/** Move a loaded model to another GPU-layer count (a reload at the new level). */
export interface ReoffloadAction {
  type: 'reoffload';
  workerId: string;
  model: string;
  gpuLayers: number;
  reason: string;
}

/**
 * Stop a running job at the next token and hand it back to the queue with its checkpoint.
 * `keep-kv`: the worker keeps its KV state to resume it in place; `recompute`: the KV is dropped.
 */
export interface PreemptAction {
  type: 'preempt';
  workerId: string;
  jobId: string;
  model: string;
  path: 'keep-kv' | 'recompute';
  reason: string;
}

/** What the scheduler is told to do, in order. */
export type Action = LoadAction | UnloadAction | DispatchAction | ReoffloadAction | PreemptAction;

/** Why a job stays in the window this round, and when it should start. */
export interface WaitReason {
  jobId: string;
  reason: string;
  /** 1-based position among the waiting jobs of its class. */
  position?: number;
  /** Predicted start (epoch ms), when the policy can tell. */
  estimatedStartAt?: number;
}

/** The policy's answer: actions to apply in order, and why every other job waits. */
export interface Decision {
  actions: Action[];
  waiting: WaitReason[];
}
