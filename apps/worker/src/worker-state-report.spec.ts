import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reportWorkerState, type WorkerStateInput } from './worker-state-report.js';

const engine: WorkerStateInput['engine'] = {
  device: {
    kind: 'cpu',
    name: 'CPU',
    gpuMemoryTotalBytes: 0,
    gpuMemoryFreeBytes: 0,
    ramTotalBytes: 8e9,
    ramFreeBytes: 4e9,
    physicalCores: 2,
  },
  threads: 2,
  loadedModels: () => [],
};

describe('reportWorkerState', () => {
  test('reports the models loaded since start as warmModels, sorted', () => {
    const state = reportWorkerState({
      id: 'w1',
      engine,
      env: { WORKER_SLOTS: 2, WORKER_MAX_JOBS: 0 },
      memoryBudgetBytes: 4e9,
      runners: [],
      servable: [],
      kvStates: [],
      warmModels: new Set(['tiny', 'small']),
      appliedCommandId: '0-0',
      draining: false,
      startedAt: 1,
    });
    // Neither is loaded now: a model unloaded since stays warm (its file is still cached).
    assert.deepEqual(state.loaded, []);
    assert.deepEqual(state.warmModels, ['small', 'tiny']);
  });
});
