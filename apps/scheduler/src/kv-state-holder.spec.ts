import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobCheckpoint, WorkerState } from '#switchyard/contracts';
import { FleetView } from './fleet-view.js';
import { kvStateHolder } from './kv-state-holder.js';
import { gpuHeartbeat } from './scheduler-test-fixtures.js';

const checkpoint = (savedAt = 500, workerId = 'w1', model = 'big'): JobCheckpoint => ({
  tokens: [1, 2, 3],
  text: 'abc',
  workerId,
  savedAt,
  kvState: { workerId, model, path: '/kv/j1.kv', bytes: 10, tokens: 8, savedAt },
});

const held = { jobId: 'j1', model: 'big', bytes: 10, tokens: 8, savedAt: 500 };

// The holder as the scheduler computes it from these heartbeats (and commands sent since).
function holder(cp: JobCheckpoint | undefined, heartbeats: WorkerState[], view = new FleetView()) {
  return kvStateHolder('j1', cp, view.build(heartbeats), heartbeats);
}

describe('kvStateHolder', () => {
  it('names the worker that lists the state and keeps the model loaded since the save', () => {
    assert.equal(holder(checkpoint(), [gpuHeartbeat({ kvStates: [held] })]), 'w1');
  });

  it('trusts a heartbeat older than the save, which cannot list it yet', () => {
    assert.equal(holder(checkpoint(2_000), [gpuHeartbeat({ heartbeatAt: 1_000 })]), 'w1');
  });

  it('names nobody when the state is gone, the model reloaded or unloading, or the worker gone', () => {
    assert.equal(holder(undefined, [gpuHeartbeat()]), undefined);
    assert.equal(holder(checkpoint(), [gpuHeartbeat()]), undefined, 'no longer listed');
    assert.equal(holder(checkpoint(), [gpuHeartbeat({ id: 'w2' })]), undefined, 'worker gone');
    assert.equal(
      holder(checkpoint(50), [gpuHeartbeat({ kvStates: [held] })]),
      undefined,
      'model loaded after the save',
    );
    assert.equal(
      holder(checkpoint(500, 'w1', 'small'), [gpuHeartbeat({ kvStates: [held] })]),
      undefined,
      'model not loaded',
    );
    assert.equal(
      holder(checkpoint(), [gpuHeartbeat({ kvStates: [held], draining: true })]),
      undefined,
      'draining',
    );
    const unloading = new FleetView();
    unloading.recordSent('w1', '6-0', { type: 'unload', model: 'big' });
    assert.equal(holder(checkpoint(), [gpuHeartbeat({ kvStates: [held] })], unloading), undefined);
    const reloading = new FleetView();
    reloading.recordSent('w1', '6-0', {
      type: 'load',
      model: 'big',
      gpuLayers: 3,
      contextSize: 512,
      slots: 2,
    });
    assert.equal(holder(checkpoint(), [gpuHeartbeat({ kvStates: [held] })], reloading), undefined);
  });
});
