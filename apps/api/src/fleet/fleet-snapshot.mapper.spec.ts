import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelFacts, WorkerState } from '#switchyard/contracts';
import type { JobViewDto } from '../jobs/dto/job-view.dto.js';
import {
  readPublishedStatus,
  toFleetWorker,
  toWaitingJob,
  withAttainment,
} from './fleet-snapshot.mapper.js';

const heartbeat: WorkerState = {
  id: 'w1',
  host: 'gpu0',
  pid: 7,
  device: {
    kind: 'cuda',
    name: 'H100',
    gpuMemoryTotalBytes: 80e9,
    ramTotalBytes: 256e9,
    threads: 8,
  },
  memoryBudgetBytes: 72e9,
  memoryUsedBytes: 9e9,
  slotsPerModel: 2,
  maxConcurrentJobs: 4,
  loaded: [
    {
      model: 'm',
      gpuLayers: 20,
      totalLayers: 32,
      contextSize: 2048,
      slots: 2,
      busySlots: 1,
      memoryBytes: 9e9,
      loadedAt: 1,
      lastUsedAt: 2,
    },
  ],
  running: [],
  models: [{ name: 'm', layers: 32, fileBytes: 8e9, memoryBytes: 9e9, facts: {} as ModelFacts }],
  kvStates: [
    { jobId: 'a', model: 'm', bytes: 100, tokens: 10, savedAt: 1 },
    { jobId: 'b', model: 'm', bytes: 50, tokens: 5, savedAt: 2 },
  ],
  appliedCommandId: '3-0',
  draining: true,
  startedAt: 10,
  heartbeatAt: 20,
};

describe('fleet snapshot mapping', () => {
  it('shows a worker without the GGUF facts of what it could load, with its kept KV states summed', () => {
    const worker = toFleetWorker(heartbeat);
    assert.equal('models' in worker, false);
    assert.equal('appliedCommandId' in worker, false);
    assert.deepEqual(worker.keptKvStates, { count: 2, bytes: 150 });
    assert.deepEqual(worker.loaded, heartbeat.loaded);
    assert.equal(worker.draining, true);
    assert.deepEqual(toFleetWorker({ ...heartbeat, kvStates: undefined }).keptKvStates, {
      count: 0,
      bytes: 0,
    });
  });

  it('reads what a leader published, and nothing from a status it cannot read', () => {
    const status = readPublishedStatus({
      policy: 'sensitivity',
      leadingSince: 5,
      lastDecision: {
        at: 9,
        decideMs: 0.123456,
        windowSize: 2,
        waiting: [{ jobId: 'j1', reason: 'r', position: 1 }, { nonsense: true }, null],
      },
    });
    assert.deepEqual(status, {
      policy: 'sensitivity',
      leadingSince: 5,
      lastRoundAt: 9,
      decideMs: 0.12,
      windowSize: 2,
      waiting: [{ jobId: 'j1', reason: 'r', position: 1 }],
    });
    for (const unreadable of [null, 'text', { lastDecision: { waiting: 'x', at: 'soon' } }]) {
      assert.deepEqual(readPublishedStatus(unreadable), {
        policy: null,
        leadingSince: null,
        lastRoundAt: null,
        decideMs: null,
        windowSize: null,
        waiting: [],
      });
    }
  });

  it('computes attainment per class, none before a completion', () => {
    assert.deepEqual(
      withAttainment({
        interactive: { total: { met: 3, missed: 1 }, recent: { met: 1, missed: 0 } },
        standard: { total: { met: 0, missed: 0 }, recent: { met: 0, missed: 0 } },
        batch: { total: { met: 0, missed: 2 }, recent: { met: 0, missed: 1 } },
      }),
      {
        interactive: {
          met: 3,
          missed: 1,
          attainment: 0.75,
          recent: { met: 1, missed: 0, attainment: 1 },
        },
        standard: {
          met: 0,
          missed: 0,
          attainment: null,
          recent: { met: 0, missed: 0, attainment: null },
        },
        batch: { met: 0, missed: 2, attainment: 0, recent: { met: 0, missed: 1, attainment: 0 } },
      },
    );
  });

  it('explains a job that still waits from its own view, and drops one that started', () => {
    const view = {
      id: 'j1',
      state: 'queued',
      model: 'm',
      priority: 'batch',
      tenant: 'acme',
      submittedAt: 100,
      reason: 'every slot of m is busy',
      position: 4,
      estimatedStartAt: 900,
    } as JobViewDto;
    const published = { jobId: 'j1', reason: 'older reason', position: 5, estimatedStartAt: 800 };
    assert.deepEqual(toWaitingJob(view, published), {
      id: 'j1',
      model: 'm',
      priority: 'batch',
      tenant: 'acme',
      submittedAt: 100,
      position: 4,
      estimatedStartAt: 900,
      reason: 'every slot of m is busy',
    });
    // Its progress not written yet: what the leader published stands in.
    const bare = { ...view, reason: null, position: null, estimatedStartAt: null };
    assert.deepEqual(toWaitingJob(bare, published), {
      ...toWaitingJob(view, published),
      position: 5,
      estimatedStartAt: 800,
      reason: 'older reason',
    });
    assert.equal(toWaitingJob({ ...view, state: 'running' }, published), null);
    assert.equal(toWaitingJob(undefined, published), null);
  });
});
