import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BIG,
  copy,
  GB,
  gpuWorker,
  job,
  NOW,
  running,
  SMALL,
  snapshot,
  summary,
} from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';

/** Interactive jobs queued for the copies of a model that no single preemption can serve in time. */
describe('SensitivityPolicy, queue relief', () => {
  // h100-a's only slot of big runs an interactive job for minutes: nothing there can be paused.
  // h100-b has room for big only without small, whose copy runs a batch job. Loading big (3 s)
  // misses the 2 s first-token SLA whatever is done.
  const busyBig = gpuWorker('h100-a', 'h100-sxm', {
    maxConcurrentJobs: 1,
    loaded: [copy(BIG, 33, { busySlots: 1 })],
    running: [running('r1', BIG, 'interactive', { generatedTokens: 100, maxTokens: 2_000 })],
  });
  const smallOnly = gpuWorker('h100-b', 'h100-sxm', {
    memoryBudgetBytes: BIG.memoryBytes + 0.5 * GB,
    loaded: [copy(SMALL, 17, { busySlots: 1 })],
    running: [running('b1', SMALL, 'batch')],
  });
  const settings = { batchFloorShare: 0 };
  const waiting = (n: number) =>
    Array.from({ length: n }, (_, i) => job(`i${i + 1}`, BIG, 'interactive', NOW - 10 + i));

  test('jobs that miss anyway pause work to bring their model a copy when their number repays it', () => {
    const policy = new SensitivityPolicy();
    const d = policy.decide(snapshot([busyBig, smallOnly], waiting(4), settings));
    // b1 stops (recompute: its copy is evicted), then small goes and big loads on h100-b.
    assert.deepEqual(summary(d.actions), ['preempt b1 recompute←h100-b']);
    assert.match(d.waiting[0].reason, /another copy for its 4 waiting interactive and standard/);
  });

  test('a job alone waits for the copy it has rather than pause a job for a copy of its own', () => {
    // One job gains less than b1's pause and small's reload cost: it misses its SLA in the queue.
    const policy = new SensitivityPolicy();
    const d = policy.decide(snapshot([busyBig, smallOnly], waiting(1), settings));
    assert.deepEqual(summary(d.actions), []);
    assert.match(d.waiting[0].reason, /none is made for a job that misses anyway/);
  });
});
