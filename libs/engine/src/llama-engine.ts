import { randomInt } from 'node:crypto';
import { GgufInsights, getLlama, readGgufFileInfo } from 'node-llama-cpp';
import type { Llama } from 'node-llama-cpp';
import { ContextOverflowError } from './context-overflow-error.js';
import { probeDevice } from './device-probe.js';
import type {
  DeviceInfo,
  EngineOptions,
  GenerateHooks,
  GenerateRequest,
  GenerateResult,
  GenerationEvent,
  LoadModelSpec,
  LoadedModelInfo,
  MemoryEstimate,
} from './engine-types.js';
import { GenerationRun } from './generation-run.js';
import { LoadedModel } from './loaded-model.js';
import { ModelBusyError } from './model-busy-error.js';
import { ModelNotLoadedError } from './model-not-loaded-error.js';
import { NoFreeSlotError } from './no-free-slot-error.js';

/**
 * The node-llama-cpp adapter a worker owns: one Llama instance (one device), models loaded at a
 * given offload level with a fixed number of slots, and generations that can be aborted,
 * checkpointed and resumed.
 */
export class LlamaEngine {
  private readonly models = new Map<string, LoadedModel>();
  // Loads and unloads run one at a time, in call order.
  private lifecycle: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly listeners = new Set<(event: GenerationEvent) => void>();
  // Runs in flight on any model; each learns whether another ran beside it at any time.
  private readonly activeRuns = new Set<{ shared: boolean }>();

  private constructor(
    private readonly llama: Llama,
    private deviceInfo: DeviceInfo,
    /** Threads every context evaluates with. */
    readonly threads: number,
  ) {}

  /** The device, with free memory as of creation or the last `refreshDevice()`. */
  get device(): DeviceInfo {
    return this.deviceInfo;
  }

  /** Starts node-llama-cpp on the requested backend (prebuilt or locally built binaries only). */
  static async create(options: EngineOptions = {}): Promise<LlamaEngine> {
    // build: 'never' fails fast instead of trying to download and compile llama.cpp.
    const llama = await getLlama({
      gpu: options.gpu ?? 'auto',
      build: 'never',
      progressLogs: false,
    });
    const threads = Math.max(1, Math.floor(options.threads ?? llama.cpuMathCores - 1));
    // Contexts share this many threads between them, so that several models never oversubscribe.
    llama.maxThreads = threads;
    return new LlamaEngine(llama, await probeDevice(llama), threads);
  }

  /** Re-reads free memory. */
  async refreshDevice(): Promise<DeviceInfo> {
    this.deviceInfo = await probeDevice(this.llama);
    return this.deviceInfo;
  }

  /**
   * Memory a model would take, from its GGUF header and llama.cpp's allocation-free simulation
   * (GgufInsights' V2 estimates); nothing is loaded.
   */
  async estimateMemory(
    path: string,
    gpuLayers: number,
    contextSize: number,
    slots: number,
  ): Promise<MemoryEstimate> {
    const insights = await GgufInsights.from(
      await readGgufFileInfo(path, { logWarnings: false }),
      this.llama,
    );
    const layers = this.resolveGpuLayers(gpuLayers, insights.totalLayers);
    const [model, context] = await Promise.all([
      insights.estimateModelResourceRequirementsV2({ gpuLayers: layers }),
      insights.estimateContextResourceRequirementsV2({
        contextSize,
        modelGpuLayers: layers,
        sequences: slots,
      }),
    ]);
    return {
      gpuBytes: model.gpuVram + context.gpuVram,
      cpuBytes: model.cpuRam + context.cpuRam,
      totalLayers: insights.totalLayers,
      gpuLayers: layers,
    };
  }

  /**
   * Loads a model. Asking again for what is loaded (same path, offload level after clamping,
   * context size and slots) returns at once; anything else reloads it, which throws
   * ModelBusyError while it runs generations.
   */
  loadModel(spec: LoadModelSpec): Promise<LoadedModelInfo> {
    if (!(spec.slots >= 1) || !(spec.contextSize >= 1)) {
      return Promise.reject(new RangeError('slots and contextSize must be at least 1'));
    }
    return this.serialize(async () => {
      this.assertNotDisposed();
      const existing = this.models.get(spec.name);
      if (existing) {
        const total = existing.totalLayers;
        const sameLevel =
          this.resolveGpuLayers(spec.gpuLayers, total) ===
          this.resolveGpuLayers(existing.spec.gpuLayers, total);
        if (sameLevel && existing.sameShape(spec)) return existing.info();
        await this.unloadNow(spec.name, false);
      }
      const loaded = await LoadedModel.load(this.llama, spec, this.threads);
      this.models.set(spec.name, loaded);
      return loaded.info();
    });
  }

  /**
   * Unloads a model (a no-op when it is not loaded, so retries are safe). With runs in flight it
   * throws ModelBusyError, unless `force` aborts them first and waits for them to return.
   */
  unloadModel(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.serialize(async () => {
      if (this.models.has(name)) await this.unloadNow(name, options.force ?? false);
    });
  }

  /** What is loaded now. */
  loadedModels(): LoadedModelInfo[] {
    return [...this.models.values()].map((loaded) => loaded.info());
  }

  /** Slots of `name` a generation could take now; throws ModelNotLoadedError. */
  freeSlots(name: string): number {
    return this.loaded(name).freeSlots;
  }

  /**
   * Runs one generation on a free slot. Rejects with ModelNotLoadedError, NoFreeSlotError or
   * ContextOverflowError before evaluating anything; an abort is not an error: it resolves with
   * finishReason 'cancelled' and the partial output.
   */
  async generate(
    request: GenerateRequest,
    hooks: GenerateHooks & { checkpointEvery?: number } = {},
  ): Promise<GenerateResult> {
    const calledAt = performance.now();
    // Everything up to acquire() is synchronous, so concurrent calls see each other's slots.
    const loaded = this.loaded(request.model);
    if (loaded.freeSlots === 0) throw new NoFreeSlotError(request.model, loaded.spec.slots);
    validateRequest(request);
    const prompt = loaded.renderer.render(request.prompt);
    if (prompt.tokens.length === 0) throw new RangeError('the prompt has no tokens');
    const completion = Math.max(request.maxTokens, request.resumeTokens?.length ?? 0);
    // Tokens fed back are prompt + completion - 1, and llama.cpp keeps one cell free.
    if (prompt.tokens.length + completion > loaded.contextSize) {
      throw new ContextOverflowError(
        request.model,
        prompt.tokens.length + completion,
        loaded.contextSize,
      );
    }
    const sequence = loaded.acquire();
    if (!sequence) throw new NoFreeSlotError(request.model, loaded.spec.slots);

    const controller = new AbortController();
    const signal = request.signal
      ? AbortSignal.any([request.signal, controller.signal])
      : controller.signal;
    const run = new GenerationRun({
      model: loaded.model,
      sequence,
      promptTokens: prompt.tokens,
      templateStops: prompt.stops,
      request,
      hooks,
      signal,
      calledAt,
      fallbackSeed: randomInt(0, 2 ** 32),
    });
    const done = run.run();
    loaded.track(controller, done);
    const active = { shared: this.activeRuns.size > 0 };
    for (const other of this.activeRuns) other.shared = true;
    this.activeRuns.add(active);
    let result: GenerateResult;
    try {
      result = await done;
    } finally {
      loaded.release(sequence);
      this.activeRuns.delete(active);
    }
    this.notify(request, result, loaded, active.shared);
    return result;
  }

  /**
   * Calls `listener` synchronously after every generation that returned a result (a throwing
   * listener is ignored); returns a function that removes it. For live measurements.
   */
  onGeneration(listener: (event: GenerationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Aborts every run, unloads every model and shuts node-llama-cpp down. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.serialize(async () => {
      for (const name of [...this.models.keys()]) await this.unloadNow(name, true);
      this.disposed = true;
      await this.llama.dispose();
    });
  }

  private notify(
    request: GenerateRequest,
    result: GenerateResult,
    loaded: LoadedModel,
    shared: boolean,
  ): void {
    if (this.listeners.size === 0 || loaded.closing) return;
    const event: GenerationEvent = {
      request,
      result,
      model: loaded.info(),
      threads: this.threads,
      shared,
    };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own: the generation succeeded.
      }
    }
  }

  private async unloadNow(name: string, force: boolean): Promise<void> {
    const loaded = this.loaded(name);
    if (loaded.busySlots > 0 && !force) throw new ModelBusyError(name, loaded.busySlots);
    loaded.closing = true;
    this.models.delete(name);
    await loaded.abortRuns();
    await loaded.dispose();
  }

  private loaded(name: string): LoadedModel {
    const loaded = this.models.get(name);
    if (!loaded || loaded.closing) throw new ModelNotLoadedError(name);
    return loaded;
  }

  // A CPU-only build offloads nothing whatever is asked.
  private resolveGpuLayers(gpuLayers: number, totalLayers: number): number {
    if (!this.llama.supportsGpuOffloading) return 0;
    return Math.min(Math.max(0, Math.floor(gpuLayers)), totalLayers);
  }

  private serialize<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.lifecycle.then(operation);
    this.lifecycle = result.catch(() => undefined);
    return result;
  }

  private assertNotDisposed(): void {
    if (this.disposed) throw new Error('the engine is disposed');
  }
}

function validateRequest(request: GenerateRequest): void {
  if (!Number.isInteger(request.maxTokens) || request.maxTokens < 0) {
    throw new RangeError('maxTokens must be a non-negative integer');
  }
  if (!(request.temperature >= 0)) throw new RangeError('temperature must be >= 0');
  if (request.topP !== undefined && !(request.topP > 0 && request.topP <= 1)) {
    throw new RangeError('topP must be in (0, 1]');
  }
}
