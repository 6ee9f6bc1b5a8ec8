import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_WAIT_ESTIMATES } from './job-placer.js';
import { copy, gpuWorker, job, NOW, running, SMALL, snapshot } from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';

describe('SensitivityPolicy on a long window', () => {
  // One slot, busy with interactive work nothing may preempt: every job can only wait.
  const busy = () =>
    gpuWorker('l4', 'l4', {
      maxConcurrentJobs: 1,
      loaded: [copy(SMALL, 17, { busySlots: 1 })],
      running: [running('r1', SMALL, 'interactive')],
    });

  test('estimates the first waiting jobs and lets the others wait without an estimate', () => {
    const count = DEFAULT_WAIT_ESTIMATES + 3;
    const backlog = Array.from({ length: count }, (_, i) =>
      job(`b${i}`, SMALL, 'batch', NOW - count + i),
    );
    const d = new SensitivityPolicy().decide(snapshot([busy()], backlog));
    assert.deepEqual(d.actions, []);
    assert.equal(d.waiting.length, count);
    assert.deepEqual(
      d.waiting.map((w) => w.position),
      backlog.map((_, i) => i + 1),
    );
    const estimated = d.waiting.filter((w) => w.estimatedStartAt !== undefined);
    assert.equal(estimated.length, DEFAULT_WAIT_ESTIMATES);
    // Each estimated job queues behind the one before it on the single slot.
    for (let i = 1; i < estimated.length; i++) {
      assert.ok(estimated[i].estimatedStartAt! > estimated[i - 1].estimatedStartAt!);
    }
    assert.deepEqual(
      d.waiting.slice(DEFAULT_WAIT_ESTIMATES).map((w) => [w.jobId, w.reason]),
      [0, 1, 2].map((i) => [
        `b${DEFAULT_WAIT_ESTIMATES + i}`,
        'no free slot, memory or preemption can start it this round; behind the ' +
          `${DEFAULT_WAIT_ESTIMATES} waiting jobs the round estimates`,
      ]),
    );
  });

  test('a job that can still start is placed however far down the window it is', () => {
    // The idle slot is owed to batch work (its floor share), so the standard jobs can only wait.
    const count = DEFAULT_WAIT_ESTIMATES + 3;
    const backlog = Array.from({ length: count }, (_, i) =>
      job(`s${i}`, SMALL, 'standard', NOW - count + i),
    );
    backlog.push(job('b1', SMALL, 'batch', NOW - 2 * count));
    const idle = gpuWorker('h100', 'h100-sxm', { maxConcurrentJobs: 1, loaded: [copy(SMALL, 17)] });
    const d = new SensitivityPolicy().decide(
      snapshot([busy(), idle], backlog, { batchFloorShare: 1 }),
    );
    assert.deepEqual(
      d.actions.map((a) => `${a.type} ${'jobId' in a ? a.jobId : ''}`),
      ['dispatch b1'],
    );
    assert.equal(d.waiting.length, count);
    assert.equal(d.waiting.filter((w) => w.estimatedStartAt === undefined).length, 3);
  });
});
