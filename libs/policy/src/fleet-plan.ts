import type { Action } from './action.js';
import type {
  FleetSnapshot,
  PolicyJob,
  PolicyLoadedModel,
  PolicyRunningJob,
  PolicyWorker,
} from './snapshot.js';

/**
 * A working copy of the fleet that a policy changes as it decides, so each action it emits
 * sees the effect of the ones before it (memory taken, slots used). Never touches the snapshot.
 */
export class FleetPlan {
  readonly workers: PolicyWorker[];
  readonly actions: Action[] = [];
  /** Bytes each worker's loaded models take, summed again only when its copies change. */
  private readonly usedBytes = new Map<PolicyWorker, number>();

  constructor(readonly snapshot: FleetSnapshot) {
    this.workers = snapshot.workers.map((w) => ({
      ...w,
      loaded: w.loaded.map((m) => ({ ...m })),
      running: [...w.running],
    }));
  }

  /** Bytes of the worker's budget not taken by loaded models. */
  freeMemory(worker: PolicyWorker): number {
    let used = this.usedBytes.get(worker);
    if (used === undefined) {
      used = worker.loaded.reduce((sum, m) => sum + m.memoryBytes, 0);
      this.usedBytes.set(worker, used);
    }
    return worker.memoryBudgetBytes - used;
  }

  /** The loaded copy of `model` on the worker, if any. */
  loadedModel(worker: PolicyWorker, model: string): PolicyLoadedModel | undefined {
    return worker.loaded.find((m) => m.model === model);
  }

  /** Whether the worker can start one more job of `model` right now (loaded, a free slot, under its cap). */
  hasFreeSlot(worker: PolicyWorker, model: string): boolean {
    const loaded = this.loadedModel(worker, model);
    return (
      loaded !== undefined &&
      loaded.busySlots < loaded.slots &&
      worker.running.length < worker.maxConcurrentJobs
    );
  }

  /** Workers that may serve `model` (not draining, and the model is in their registry). */
  candidates(model: string): PolicyWorker[] {
    return this.workers.filter((w) => !w.draining && w.models.includes(model));
  }

  /** Emits a load and books its memory (the model's full-copy figure unless given) and slots. */
  load(
    worker: PolicyWorker,
    model: string,
    gpuLayers: number,
    reason: string,
    memoryBytes = this.snapshot.models[model].memoryBytes,
  ): void {
    this.usedBytes.delete(worker);
    worker.loaded.push({
      model,
      gpuLayers,
      memoryBytes,
      slots: worker.slotsPerModel,
      busySlots: 0,
      loadedAt: this.snapshot.now,
      lastUsedAt: this.snapshot.now,
    });
    this.actions.push({
      type: 'load',
      workerId: worker.id,
      model,
      gpuLayers,
      contextSize: this.snapshot.contextSize,
      slots: worker.slotsPerModel,
      reason,
    });
  }

  /** Emits an unload and frees its memory. */
  unload(worker: PolicyWorker, model: string, reason: string): void {
    this.usedBytes.delete(worker);
    worker.loaded = worker.loaded.filter((m) => m.model !== model);
    this.actions.push({ type: 'unload', workerId: worker.id, model, reason });
  }

  /** Emits a re-offload of an idle loaded model and books its memory at the new level. */
  reoffload(
    worker: PolicyWorker,
    model: string,
    gpuLayers: number,
    memoryBytes: number,
    reason: string,
  ): void {
    const loaded = this.loadedModel(worker, model);
    if (!loaded) throw new Error(`reoffload of ${model} on ${worker.id}, where it is not loaded`);
    loaded.gpuLayers = gpuLayers;
    loaded.memoryBytes = memoryBytes;
    this.usedBytes.delete(worker);
    this.actions.push({ type: 'reoffload', workerId: worker.id, model, gpuLayers, reason });
  }

  /**
   * Emits a preemption. With `releaseSlot` the job leaves the plan at once (its slot is free for a
   * dispatch in this decision); otherwise it keeps its slot until the worker reports it stopped.
   */
  preempt(
    worker: PolicyWorker,
    job: PolicyRunningJob,
    path: 'keep-kv' | 'recompute',
    reason: string,
    releaseSlot: boolean,
  ): void {
    if (releaseSlot) {
      worker.running = worker.running.filter((r) => r.jobId !== job.jobId);
      const loaded = this.loadedModel(worker, job.model);
      if (loaded) loaded.busySlots = Math.max(0, loaded.busySlots - 1);
    } else {
      worker.running = worker.running.map((r) =>
        r.jobId === job.jobId ? { ...r, preempting: true } : r,
      );
    }
    this.actions.push({
      type: 'preempt',
      workerId: worker.id,
      jobId: job.jobId,
      model: job.model,
      path,
      reason,
    });
  }

  /** Emits a dispatch and books a slot. */
  dispatch(worker: PolicyWorker, job: PolicyJob, reason: string): void {
    const loaded = this.loadedModel(worker, job.model);
    if (!loaded)
      throw new Error(`dispatch of ${job.id} to ${worker.id} without ${job.model} loaded`);
    loaded.busySlots += 1;
    loaded.lastUsedAt = this.snapshot.now;
    worker.running.push({ jobId: job.id, model: job.model, priority: job.priority });
    this.actions.push({
      type: 'dispatch',
      workerId: worker.id,
      jobId: job.id,
      model: job.model,
      reason,
    });
  }
}
