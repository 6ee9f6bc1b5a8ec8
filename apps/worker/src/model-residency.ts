import { Logger } from '@nestjs/common';
import type { WorkerCommand, WorkerEvent } from '#switchyard/contracts';
import type { LlamaEngine } from '#switchyard/engine';
import type { ModelRegistry } from '#switchyard/gguf';
import type { JobRunner } from './job-runner.js';
import type { KvStateStore } from './kv-state-store.js';
import type { RunnerTable } from './runner-table.js';
import { budgetedBytes } from './worker-state-report.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** What ModelResidency works with: the worker's engine, registry, metrics, KV states and runs. */
export interface ModelResidencyDeps {
  workerId: string;
  engine: LlamaEngine;
  models: ModelRegistry;
  /** Where the registry was read from (for the error of a model not in it). */
  modelsDir: string;
  metrics: WorkerMetrics;
  kvStates: KvStateStore;
  runners: RunnerTable<JobRunner>;
  emit: (event: WorkerEvent) => Promise<void>;
}

/**
 * The worker's loaded models: applies the scheduler's load and unload commands, reports each as
 * an event and in the metrics, drops KV states of an instance that is gone, and remembers which
 * model files the worker has read to the end (warmModels: likely in the page cache).
 */
export class ModelResidency {
  /** Models this worker has loaded to the end since it started (reported as warmModels). */
  readonly warmModels = new Set<string>();
  private readonly logger = new Logger('Worker');

  constructor(private readonly deps: ModelResidencyDeps) {}

  /** Loads a model at the command's GPU layers (or reloads it at another level). */
  async load(command: Extract<WorkerCommand, { type: 'load' }>): Promise<void> {
    const info = this.deps.models.get(command.model);
    const fail = (error: string) => {
      this.logger.error(`cannot load ${command.model}: ${error}`);
      this.deps.metrics.recordLoad(command.model);
      return this.deps.emit({
        type: 'model-load-failed',
        workerId: this.deps.workerId,
        model: command.model,
        error,
        at: Date.now(),
      });
    };
    if (!info) return fail(`not in this worker's registry (${this.deps.modelsDir})`);
    const before = this.deps.engine.loadedModels().find((m) => m.name === command.model);
    try {
      const loaded = await this.deps.engine.loadModel({
        name: command.model,
        path: info.path,
        gpuLayers: command.gpuLayers,
        contextSize: command.contextSize,
        slots: command.slots,
      });
      this.logger.log(
        `loaded ${command.model} (${loaded.gpuLayers}/${loaded.totalLayers} layers on GPU) in ${Math.round(loaded.loadMs)} ms`,
      );
      this.deps.metrics.recordLoad(command.model, {
        bytes: this.modelBytes(loaded),
        ms: loaded.loadMs,
      });
      // Read to the end: the file is likely in the page cache, and the next load of it is warm.
      this.warmModels.add(command.model);
      await this.deps.emit({
        type: 'model-loaded',
        workerId: this.deps.workerId,
        model: command.model,
        gpuLayers: loaded.gpuLayers,
        memoryBytes: this.modelBytes(loaded),
        loadMs: loaded.loadMs,
        at: Date.now(),
      });
    } catch (error) {
      await fail((error as Error).message);
    }
    // Reloaded (another offload level) or gone: states of the old instance must not be restored.
    const after = this.deps.engine.loadedModels().find((m) => m.name === command.model);
    if (before && after?.loadedAt !== before.loadedAt)
      await this.deps.kvStates.dropModel(command.model);
  }

  /** Unloads a model nothing runs on. */
  async unload(model: string): Promise<void> {
    if (this.deps.runners.list().some((r) => r.command.model === model)) {
      this.logger.warn(`not unloading ${model}: jobs still run on it`);
      return;
    }
    const loaded = this.deps.engine.loadedModels().find((m) => m.name === model);
    const started = performance.now();
    await this.deps.engine.unloadModel(model);
    if (loaded)
      this.deps.metrics.recordUnload(model, this.modelBytes(loaded), performance.now() - started);
    await this.deps.kvStates.dropModel(model);
    this.logger.log(`unloaded ${model}`);
    await this.deps.emit({
      type: 'model-unloaded',
      workerId: this.deps.workerId,
      model,
      at: Date.now(),
    });
  }

  /** Unloads every model (a drained worker, its jobs gone); a failed unload is skipped. */
  async unloadAll(): Promise<void> {
    for (const model of this.deps.engine.loadedModels()) {
      const started = performance.now();
      await this.deps.engine.unloadModel(model.name).then(
        () =>
          this.deps.metrics.recordUnload(
            model.name,
            this.modelBytes(model),
            performance.now() - started,
          ),
        () => undefined,
      );
    }
  }

  private modelBytes(m: { gpuBytes: number; cpuBytes: number }): number {
    return budgetedBytes(this.deps.engine.device.kind, m);
  }
}
