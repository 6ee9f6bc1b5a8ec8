import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel } from 'node-llama-cpp';
import type { LoadModelSpec, LoadedModelInfo } from './engine-types.js';
import { PromptRenderer } from './prompt-renderer.js';

/** A generation in flight on a slot, so that a forced unload can stop it and wait for it. */
interface ActiveRun {
  controller: AbortController;
  done: Promise<unknown>;
}

/**
 * One model in memory: its context with one sequence per slot, the pool of free sequences and
 * the runs using the others.
 */
export class LoadedModel {
  /** Renders prompts with this model's tokenizer and chat template. */
  readonly renderer: PromptRenderer;
  /** Set once unloading starts: no new run may take a slot. */
  closing = false;
  /** Epoch ms of the last generate start or end. */
  lastUsedAt: number;
  private readonly freeSequences: LlamaContextSequence[];
  private readonly runs = new Set<ActiveRun>();

  private constructor(
    readonly spec: LoadModelSpec,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    readonly loadMs: number,
    readonly loadedAt: number,
  ) {
    this.renderer = new PromptRenderer(model);
    this.lastUsedAt = loadedAt;
    this.freeSequences = Array.from({ length: spec.slots }, () => context.getSequence());
  }

  /**
   * Loads the weights at `spec.gpuLayers` (node-llama-cpp clamps it to the layer count, and to 0
   * without GPU offloading) and creates one context of `slots` sequences.
   */
  static async load(llama: Llama, spec: LoadModelSpec, threads: number): Promise<LoadedModel> {
    const startedAt = performance.now();
    const gpuLayers = Math.max(0, Math.floor(spec.gpuLayers));
    const model = await llama.loadModel({ modelPath: spec.path, gpuLayers });
    try {
      const context = await model.createContext({
        contextSize: spec.contextSize,
        sequences: spec.slots,
        // The default (maxThreads, at least 4) oversubscribes small boxes badly: pass it always.
        threads,
      });
      const loadMs = performance.now() - startedAt;
      return new LoadedModel(spec, model, context, loadMs, Date.now());
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Layers in the file (node-llama-cpp counts the output layer as one). */
  get totalLayers(): number {
    return this.model.fileInsights.totalLayers;
  }

  /** Actual tokens per slot. */
  get contextSize(): number {
    return this.context.contextSize;
  }

  /** Slots running a generation. */
  get busySlots(): number {
    return this.spec.slots - this.freeSequences.length;
  }

  /** Slots a generation could take now. */
  get freeSlots(): number {
    return this.closing ? 0 : this.freeSequences.length;
  }

  /** Whether a load request names the same file, context size and slots (offload level aside). */
  sameShape(spec: LoadModelSpec): boolean {
    return (
      spec.path === this.spec.path &&
      spec.contextSize === this.spec.contextSize &&
      spec.slots === this.spec.slots
    );
  }

  /** Takes a free sequence, synchronously so that concurrent callers cannot take the same one. */
  acquire(): LlamaContextSequence | undefined {
    if (this.closing) return undefined;
    this.lastUsedAt = Date.now();
    return this.freeSequences.pop();
  }

  /** Gives a sequence back to the pool. */
  release(sequence: LlamaContextSequence): void {
    this.lastUsedAt = Date.now();
    this.freeSequences.push(sequence);
  }

  /** Registers a run until it settles, so a forced unload can abort it and wait for it. */
  track(controller: AbortController, done: Promise<unknown>): void {
    const run: ActiveRun = { controller, done };
    this.runs.add(run);
    const forget = () => this.runs.delete(run);
    done.then(forget, forget);
  }

  /** Aborts every run and waits until all have returned. */
  async abortRuns(): Promise<void> {
    const runs = [...this.runs];
    for (const run of runs) run.controller.abort();
    await Promise.allSettled(runs.map((run) => run.done));
  }

  /** The public view of this model. */
  info(): LoadedModelInfo {
    const model = this.model.memoryUsage;
    const context = this.context.memoryUsage;
    return {
      name: this.spec.name,
      path: this.spec.path,
      gpuLayers: this.model.gpuLayers,
      totalLayers: this.totalLayers,
      contextSize: this.contextSize,
      slots: this.spec.slots,
      busySlots: this.busySlots,
      gpuBytes: model.vram + context.vram,
      cpuBytes: model.ram + context.ram,
      loadMs: this.loadMs,
      loadedAt: this.loadedAt,
      lastUsedAt: this.lastUsedAt,
    };
  }

  /** Frees the context and the weights; callers make sure no run is left. */
  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
