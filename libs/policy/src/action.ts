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

/** What the scheduler is told to do, in order. */
export type Action = LoadAction | UnloadAction | DispatchAction;

/** Why a job stays in the window this round. */
export interface WaitReason {
  jobId: string;
  reason: string;
}

/** The policy's answer: actions to apply in order, and why every other job waits. */
export interface Decision {
  actions: Action[];
  waiting: WaitReason[];
}
