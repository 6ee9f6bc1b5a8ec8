import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CostOracle } from './cost-oracle.js';
import {
  BIG,
  copy,
  gpuWorker,
  job,
  NOW,
  running,
  snapshot,
  summary,
} from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';

/** Loads of a file the worker has not read (not in its page cache) take storage time. */
describe('SensitivityPolicy, warm and cold model files', () => {
  test('a load takes longer where the worker has not read the file', () => {
    const cold = gpuWorker('l4-a', 'l4', { warmModels: [] });
    const warm = gpuWorker('l4-b', 'l4', { warmModels: ['big'] });
    const unknown = gpuWorker('l4-c', 'l4');
    const oracle = new CostOracle(snapshot([cold, warm, unknown], []), new WeakMap());
    const warmMs = oracle.loadMs('big', cold, 33);
    const extraMs = oracle.coldExtraMs('big', cold, 33);
    assert.ok(extraMs > warmMs, `${warmMs} ms warm, ${extraMs} ms more cold`);
    assert.equal(oracle.coldExtraMs('big', warm, 33), 0);
    // A worker that does not report the files it has read (an older one) is taken as warm.
    assert.equal(oracle.coldExtraMs('big', unknown, 33), 0);
  });

  test('an interactive job loads its model where the file is warm', () => {
    // Two idle L4s: the first by id would load big as fast as the second if both were warm, but
    // only the second has read it; from storage the load takes about 3× longer.
    const cold = gpuWorker('l4-a', 'l4', { warmModels: [] });
    const warm = gpuWorker('l4-b', 'l4', { warmModels: ['big'] });
    const policy = new SensitivityPolicy();
    const d = policy.decide(snapshot([cold, warm], [job('i1', BIG, 'interactive')]));
    assert.deepEqual(summary(d.actions), ['load big@33→l4-b', 'dispatch i1→l4-b']);
    // Neither saying which files it has read: both taken as warm, the first by id loads it.
    const unknown = [gpuWorker('l4-a', 'l4'), gpuWorker('l4-b', 'l4')];
    const before = policy.decide(snapshot(unknown, [job('i1', BIG, 'interactive')]));
    assert.deepEqual(summary(before.actions), ['load big@33→l4-a', 'dispatch i1→l4-a']);
  });

  test('an interactive job is not sent to a copy still reading its file from storage', () => {
    // l4-a started loading big 3.3 s ago: from the page cache it would be ready (3.2 s), but it
    // has not read the file before, so it is still loading for about 5.6 s. l4-b's warm copy runs
    // a batch job: pausing it meets the first-token SLA, the copy in flight does not.
    const loading = (warmModels?: string[]) =>
      gpuWorker('l4-a', 'l4', {
        loaded: [copy(BIG, 33, { loadedAt: NOW - 3_300, lastUsedAt: NOW - 3_300 })],
        warmModels,
      });
    const busy = gpuWorker('l4-b', 'l4', {
      loaded: [copy(BIG, 33, { busySlots: 1 })],
      running: [running('b1', BIG, 'batch')],
      warmModels: ['big'],
    });
    const policy = new SensitivityPolicy();
    const settings = { batchFloorShare: 0 };
    const backlog = [job('i1', BIG, 'interactive')];
    const d = policy.decide(snapshot([loading([]), busy], backlog, settings));
    // The job waits for the slot b1 leaves once its KV state is saved.
    assert.deepEqual(summary(d.actions), ['preempt b1 keep-kv←l4-b']);
    assert.match(d.waiting[0].reason, /l4-b/);
    // Taken as warm (it does not say), the copy looks ready: the job goes there.
    const before = policy.decide(snapshot([loading(), busy], backlog, settings));
    assert.deepEqual(summary(before.actions), ['dispatch i1→l4-a']);
  });
});
