import type { PolicyRunningJob, PolicyWorker } from './snapshot.js';

/**
 * How a job could be served on one worker. Harmless kinds cost nobody else anything: a free slot
 * (`ready`), a load into free memory (`load`), waiting for a slot or for memory. The others do:
 * `evict` and `shrink` make room by unloading or re-offloading idle models, `pause` preempts a
 * lower-class job and takes its slot now, `pause-evict` preempts the jobs of a model so that it
 * can be evicted once they stop.
 */
export type PlanKind =
  'ready' | 'load' | 'wait-slot' | 'wait-memory' | 'evict' | 'shrink' | 'pause' | 'pause-evict';

/** One action an option needs before its dispatch, in order. */
export type PlanStep =
  | { type: 'unload'; model: string; reloadMs: number }
  | {
      type: 'reoffload';
      model: string;
      from: number;
      gpuLayers: number;
      memoryBytes: number;
      ms: number;
      lossMs: number;
    }
  | { type: 'load'; gpuLayers: number; memoryBytes: number; ms: number }
  | {
      type: 'preempt';
      run: PolicyRunningJob;
      path: 'keep-kv' | 'recompute';
      costMs: number;
      /** When the victim's slot is free (after its KV state is saved, on the keep-kv path). */
      freedAt: number;
    };

/** A way to serve a job, with its predicted times (epoch ms) and what it costs others. */
export interface PlanOption {
  kind: PlanKind;
  worker: PolicyWorker;
  /** GPU layers of the job's model there. */
  gpuLayers: number;
  startAt: number;
  firstTokenAt: number;
  finishAt: number;
  /** Time the option costs other work: reloads, throughput lost, preemption overhead (ms). */
  harmMs: number;
  steps: PlanStep[];
  /** True when the job is dispatched in this decision. */
  dispatchNow: boolean;
  /** A copy the round expects to load there later, not one that exists. */
  virtual?: boolean;
  /** What the option does besides running the job, for reasons. */
  note: Note;
  /** Set when the job resumes there from its saved KV state: the restore's ms. */
  restoresKvMs?: number;
  /** The model a `pause-evict` option evicts once its jobs have stopped, and its reload. */
  evicts?: { model: string; reloadMs: number };
  /** True for a `load` of a new copy below the model's top level there (partially offloaded). */
  partialLoad?: boolean;
}

/**
 * Words for a reason, or how to make them: thousands of options are weighed per round and few
 * are named in a reason, so the options that need numbers formatted put them off until then.
 */
export type Note = string | (() => string);

/** The words of a note. */
export function noteText(note: Note): string {
  return typeof note === 'string' ? note : note();
}

/** True for options that cost no other work. */
export function isHarmless(option: PlanOption): boolean {
  // A switch, not a set: it runs several times per option, and a round weighs 100,000 options.
  switch (option.kind) {
    case 'ready':
    case 'load':
    case 'wait-slot':
    case 'wait-memory':
      return true;
    default:
      return false;
  }
}

/** True for options that preempt a running job. */
export function isPreemptive(option: PlanOption): boolean {
  return option.kind === 'pause' || option.kind === 'pause-evict';
}

/** What placement minimizes: the job's finish plus the time it costs others. */
export function planScore(option: PlanOption): number {
  return option.finishAt + option.harmMs;
}
