import type { PlacementRates } from './placement-rates.js';
import type { SimJob } from './sim-job.js';

/** One loaded (or loading) copy of a model on a worker. */
export class SimInstance {
  state: 'loading' | 'ready' = 'loading';
  /** Jobs holding one of its slots: running, or saving their KV after a preemption. */
  readonly jobs = new Set<SimJob>();
  /** Completed jobs whose worker is still writing back: their slots look busy to the scheduler. */
  finishing = 0;
  /** Scratch of SimWorker.reschedule: its decoding sequences and their KV tokens. */
  batchSequences = 0;
  batchKvTokens = 0;
  /** Scratch of SimWorker.reschedule: its decode step is in the worker's turn cycle already. */
  inCycle = false;

  constructor(
    /** Unique over the run: a saved KV state is only valid on the copy that made it. */
    readonly id: number,
    readonly model: string,
    public gpuLayers: number,
    public slots: number,
    public rates: PlacementRates,
    public loadedAt: number,
    public lastUsedAt: number,
  ) {}

  /** Memory the copy takes. */
  get memoryBytes(): number {
    return this.rates.memoryBytes;
  }
}
