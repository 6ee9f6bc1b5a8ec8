import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  copy,
  gpuWorker,
  job,
  NOW,
  running,
  SMALL,
  snapshot,
  TINY,
} from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';
import { StartlessModels } from './startless-models.js';

describe('StartlessModels', () => {
  test('a finding covers less urgent classes, and a job with the free-slot right covers one without', () => {
    const memo = new StartlessModels();
    memo.add('m', 1, true);
    assert.equal(memo.has('m', 1, true), true);
    assert.equal(memo.has('m', 2, false), true);
    assert.equal(memo.has('m', 0, true), false, 'a more urgent class may preempt more');
    assert.equal(memo.has('other', 1, true), false);
  });

  test('a finding without the free-slot right says nothing of a job with it', () => {
    const memo = new StartlessModels();
    memo.add('m', 0, false);
    assert.equal(memo.has('m', 0, false), true);
    assert.equal(memo.has('m', 2, true), false);
  });

  test('a release forgets every finding; a load of the model forgets only that model', () => {
    const memo = new StartlessModels();
    memo.add('a', 0, true);
    memo.add('b', 0, true);
    memo.loaded('a');
    assert.deepEqual([memo.has('a', 0, true), memo.has('b', 0, true)], [false, true]);
    memo.released();
    assert.equal(memo.has('b', 0, true), false);
  });
});

describe('SensitivityPolicy with a model nothing can start', () => {
  test('weighs the jobs behind the first startless one no more, and still starts another model', () => {
    // The busy worker's only slot runs interactive work nothing may preempt; the other worker
    // holds another model with free slots, so the round is not out of free slots.
    const busy = gpuWorker('l4', 'l4', {
      maxConcurrentJobs: 1,
      loaded: [copy(SMALL, 17, { busySlots: 1 })],
      running: [running('r1', SMALL, 'interactive')],
      models: ['small'],
    });
    const other = gpuWorker('h100', 'h100-sxm', { loaded: [copy(TINY, 13)], models: ['tiny'] });
    const backlog = [
      job('a1', SMALL, 'batch', NOW - 40),
      job('a2', SMALL, 'batch', NOW - 30),
      job('a3', SMALL, 'batch', NOW - 20),
      job('o1', TINY, 'batch', NOW - 10),
    ];
    const d = new SensitivityPolicy().decide(
      snapshot([busy, other], backlog, { waitEstimates: 1 }),
    );
    assert.deepEqual(
      d.actions.map((a) => `${a.type} ${'jobId' in a ? a.jobId : ''}`),
      ['dispatch o1'],
    );
    assert.deepEqual(
      d.waiting.map((w) => [w.jobId, w.estimatedStartAt !== undefined]),
      [
        ['a1', true],
        ['a2', true],
        ['a3', false],
      ],
    );
  });
});
