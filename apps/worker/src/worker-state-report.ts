import { hostname } from 'node:os';
import type { ServableModel, WorkerState } from '#switchyard/contracts';
import { matchCatalogDevice } from '#switchyard/cost-model';
import type { LlamaEngine } from '#switchyard/engine';
import type { JobRunner } from './job-runner.js';
import type { WorkerEnv } from './worker-env.js';

/** What a worker's heartbeat is made of. */
export interface WorkerStateInput {
  id: string;
  engine: Pick<LlamaEngine, 'device' | 'threads' | 'loadedModels'>;
  env: Pick<WorkerEnv, 'WORKER_SLOTS' | 'WORKER_MAX_JOBS'>;
  memoryBudgetBytes: number;
  runners: JobRunner[];
  servable: ServableModel[];
  kvStates: WorkerState['kvStates'];
  /**
   * Models loaded to the end since the worker started: the proxy for a file in the page cache
   * (see WorkerState.warmModels).
   */
  warmModels: ReadonlySet<string>;
  appliedCommandId: string;
  draining: boolean;
  startedAt: number;
}

/**
 * The memory a loaded model takes from the worker's budget: GPU memory on a GPU (its host
 * layers live in RAM, which the budget does not cover), everything on a CPU.
 */
export function budgetedBytes(kind: string, m: { gpuBytes: number; cpuBytes: number }): number {
  return kind === 'cpu' ? m.gpuBytes + m.cpuBytes : m.gpuBytes;
}

/** The state a worker reports in its heartbeats: device, budget, loaded models, running jobs. */
export function reportWorkerState(input: WorkerStateInput): WorkerState {
  const { engine, env, runners } = input;
  const device = engine.device;
  const loaded = engine.loadedModels();
  const bytes = (m: { gpuBytes: number; cpuBytes: number }) => budgetedBytes(device.kind, m);
  return {
    id: input.id,
    host: hostname(),
    pid: process.pid,
    device: {
      kind: device.kind,
      name: device.name,
      catalogId: device.kind === 'cpu' ? 'cpu' : matchCatalogDevice(device.name)?.id,
      gpuMemoryTotalBytes: device.gpuMemoryTotalBytes,
      ramTotalBytes: device.ramTotalBytes,
      threads: engine.threads,
    },
    memoryBudgetBytes: input.memoryBudgetBytes,
    memoryUsedBytes: loaded.reduce((sum, m) => sum + bytes(m), 0),
    slotsPerModel: env.WORKER_SLOTS,
    maxConcurrentJobs: env.WORKER_MAX_JOBS > 0 ? env.WORKER_MAX_JOBS : env.WORKER_SLOTS,
    loaded: loaded.map((m) => ({
      model: m.name,
      gpuLayers: m.gpuLayers,
      totalLayers: m.totalLayers,
      contextSize: m.contextSize,
      slots: m.slots,
      busySlots: runners.filter((r) => r.command.model === m.name).length,
      memoryBytes: bytes(m),
      loadedAt: m.loadedAt,
      lastUsedAt: m.lastUsedAt,
    })),
    running: runners.map((r) => ({
      jobId: r.command.jobId,
      model: r.command.model,
      priority: r.command.priority,
      phase: r.phase,
      promptTokens: r.promptTokens,
      maxTokens: r.maxTokens,
      preemptions: r.preemptions,
      completionTokens: r.completionTokens,
      tokensPerSecond: Math.round(r.tokensPerSecond * 10) / 10,
      startedAt: r.startedAt,
    })),
    models: input.servable,
    kvStates: input.kvStates,
    warmModels: [...input.warmModels].sort(),
    appliedCommandId: input.appliedCommandId,
    draining: input.draining,
    startedAt: input.startedAt,
    heartbeatAt: Date.now(),
  };
}
