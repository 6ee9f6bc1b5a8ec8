import type { PriorityClass } from '#switchyard/contracts';
import {
  CostModel,
  DEVICE_CATALOG,
  predictMemory,
  syntheticModelSpec,
  type TypicalShapeName,
} from '#switchyard/cost-model';
import type { Action } from './action.js';
import { DEFAULT_POLICY_SETTINGS } from './policy-settings.js';
import type {
  FleetSnapshot,
  PolicyJob,
  PolicyLoadedModel,
  PolicyModel,
  PolicyRunningJob,
  PolicySettings,
  PolicyWorker,
} from './snapshot.js';

/** Hand-built snapshots for the policy's tests: catalog devices, synthetic models, the default cost model. */
export const CONTEXT = 4096;
export const NOW = 1_000_000;
export const GB = 1e9;

const costModel = new CostModel();

/** GPU bytes of a model at `gpuLayers` on any CUDA device of the catalog. */
export function gpuBytes(model: PolicyModel, gpuLayers: number): number {
  return Math.round(
    predictMemory({
      model: model.spec!,
      device: DEVICE_CATALOG['l4'],
      gpuLayers,
      contextSize: CONTEXT,
      threads: 8,
    }).gpuBytes,
  );
}

/** A Q8_0 model of a typical shape, its memoryBytes what a worker reports (all blocks on the GPU). */
export function model(name: string, shape: TypicalShapeName): PolicyModel {
  const spec = syntheticModelSpec({ name, shape, quantization: 'Q8_0' });
  const entry: PolicyModel = {
    name,
    layers: spec.layers,
    fileBytes: spec.fileBytes,
    memoryBytes: 0,
    spec,
  };
  entry.memoryBytes = gpuBytes(entry, spec.layers);
  return entry;
}

/** llama-3.2-1b: 16 blocks, 17 GPU layers at full residency. */
export const SMALL = model('small', 'llama-3.2-1b');
/** llama-3-8b: 32 blocks, 33 GPU layers at full residency. */
export const BIG = model('big', 'llama-3-8b');
/** synth-50m: so small that recomputing a sequence costs less than moving its KV state. */
export const TINY = model('tiny', 'synth-50m');
export const MODELS: Record<string, PolicyModel> = { small: SMALL, big: BIG, tiny: TINY };

/** A GPU worker on a catalog device, one slot per model, two jobs at most. */
export function gpuWorker(
  id: string,
  catalogDevice: string,
  overrides: Partial<PolicyWorker> = {},
): PolicyWorker {
  return {
    id,
    device: {
      kind: 'cuda',
      name: DEVICE_CATALOG[catalogDevice as keyof typeof DEVICE_CATALOG].name,
      gpuMemoryTotalBytes: 24 * GB,
      ramTotalBytes: 0,
      threads: 8,
    },
    catalogDevice,
    memoryBudgetBytes: 20 * GB,
    slotsPerModel: 1,
    maxConcurrentJobs: 2,
    models: Object.keys(MODELS),
    loaded: [],
    running: [],
    draining: false,
    ...overrides,
  };
}

/** A CPU worker (the generic host of the catalog). */
export function cpuWorker(id: string, overrides: Partial<PolicyWorker> = {}): PolicyWorker {
  return gpuWorker(id, 'cpu', {
    device: { kind: 'cpu', name: 'cpu', gpuMemoryTotalBytes: 0, ramTotalBytes: 0, threads: 8 },
    memoryBudgetBytes: 32 * GB,
    ...overrides,
  });
}

/** A copy of a model loaded at `gpuLayers`, idle, resident since t = 0. */
export function copy(
  entry: PolicyModel,
  gpuLayers: number,
  overrides: Partial<PolicyLoadedModel> = {},
): PolicyLoadedModel {
  return {
    model: entry.name,
    gpuLayers,
    memoryBytes: gpuLayers === 0 ? entry.memoryBytes : gpuBytes(entry, gpuLayers),
    slots: 1,
    busySlots: 0,
    loadedAt: 0,
    lastUsedAt: 0,
    ...overrides,
  };
}

/** A waiting job: 200 prompt tokens, 200 to generate. */
export function job(
  id: string,
  entry: PolicyModel,
  priority: PriorityClass,
  submittedAt = NOW,
  overrides: Partial<PolicyJob> = {},
): PolicyJob {
  return {
    id,
    model: entry.name,
    priority,
    submittedAt,
    maxTokens: 200,
    promptTokens: 200,
    ...overrides,
  };
}

/** A running job halfway through 2,000 tokens. */
export function running(
  jobId: string,
  entry: PolicyModel,
  priority: PriorityClass,
  overrides: Partial<PolicyRunningJob> = {},
): PolicyRunningJob {
  return {
    jobId,
    model: entry.name,
    priority,
    startedAt: NOW - 10_000,
    promptTokens: 500,
    generatedTokens: 1_000,
    maxTokens: 2_000,
    preemptions: 0,
    ...overrides,
  };
}

/** A snapshot at NOW with the default cost model and settings (overridable). */
export function snapshot(
  workers: PolicyWorker[],
  backlog: PolicyJob[],
  settings: Partial<PolicySettings> = {},
): FleetSnapshot {
  return {
    now: NOW,
    workers,
    backlog,
    models: MODELS,
    contextSize: CONTEXT,
    settings: { ...DEFAULT_POLICY_SETTINGS, ...settings },
    costModel,
  };
}

/** Actions as compact strings: "dispatch i1→h100", "load small@17→l4", "preempt b1 keep-kv". */
export function summary(actions: readonly Action[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'dispatch':
        return `dispatch ${a.jobId}→${a.workerId}`;
      case 'load':
        return `load ${a.model}@${a.gpuLayers}→${a.workerId}`;
      case 'reoffload':
        return `reoffload ${a.model}@${a.gpuLayers}→${a.workerId}`;
      case 'unload':
        return `unload ${a.model}←${a.workerId}`;
      case 'preempt':
        return `preempt ${a.jobId} ${a.path}←${a.workerId}`;
    }
  });
}
