import type { ModelFacts, WorkerState } from '#switchyard/contracts';

/** A heartbeat of a GPU worker with `big` (10 layers, 1000 bytes a full copy) loaded at 10 layers. */
export function gpuHeartbeat(overrides: Partial<WorkerState> = {}): WorkerState {
  return {
    id: 'w1',
    host: 'h',
    pid: 1,
    device: {
      kind: 'cuda',
      name: 'GPU',
      gpuMemoryTotalBytes: 10_000,
      ramTotalBytes: 10_000,
      threads: 1,
    },
    memoryBudgetBytes: 5_000,
    memoryUsedBytes: 1_000,
    slotsPerModel: 2,
    maxConcurrentJobs: 2,
    loaded: [
      {
        model: 'big',
        gpuLayers: 10,
        totalLayers: 10,
        contextSize: 512,
        slots: 2,
        busySlots: 0,
        memoryBytes: 1_000,
        loadedAt: 100,
        lastUsedAt: 200,
      },
    ],
    running: [],
    models: [
      { name: 'big', layers: 10, fileBytes: 900, memoryBytes: 1_000, facts: {} as ModelFacts },
    ],
    kvStates: [],
    appliedCommandId: '5-0',
    draining: false,
    startedAt: 1,
    heartbeatAt: 1_000,
    ...overrides,
  };
}
