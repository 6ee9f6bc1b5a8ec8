import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byClassAndAge, CAPPED_JOB_YIELDS_MS } from './backlog-order.js';
import { compareIds } from './format.js';
import { job, NOW, SMALL } from './policy-test-fixtures.js';
import type { PolicyJob } from './snapshot.js';

describe('byClassAndAge', () => {
  const ids = (order: { id: string }[]) => order.map((j) => j.id);

  it('serves classes in order, oldest first inside one', () => {
    const backlog = [
      job('b1', SMALL, 'batch', NOW - 5_000),
      job('i1', SMALL, 'interactive', NOW),
      job('s1', SMALL, 'standard', NOW - 1_000),
      job('b0', SMALL, 'batch', NOW - 9_000),
    ];
    assert.deepEqual(ids(byClassAndAge(backlog, 2)), ['i1', 's1', 'b0', 'b1']);
  });

  it('lets a job at its preemption cap yield to younger jobs of its class, up to a minute', () => {
    const capped = job('capped', SMALL, 'batch', NOW - 10_000, { preemptions: 2 });
    const younger = job('younger', SMALL, 'batch', NOW - 5_000);
    const muchYounger = job(
      'much-younger',
      SMALL,
      'batch',
      NOW - 10_000 + CAPPED_JOB_YIELDS_MS + 1,
    );
    const urgent = job('urgent', SMALL, 'interactive', NOW);
    assert.deepEqual(ids(byClassAndAge([capped, younger, muchYounger, urgent], 2)), [
      'urgent',
      'younger',
      'capped',
      'much-younger',
    ]);
    // Under its cap it keeps its place; without a cap nothing moves.
    const once = { ...capped, preemptions: 1 };
    assert.deepEqual(ids(byClassAndAge([younger, once], 2)), ['capped', 'younger']);
    assert.deepEqual(ids(byClassAndAge([younger, capped])), ['capped', 'younger']);
  });

  it('puts jobs submitted in the same millisecond in id order, numbers as numbers', () => {
    // A few, a batch submitted at once, and (past 512 jobs) the same in a long window.
    for (const count of [3, 40, 600]) {
      const backlog = Array.from({ length: count }, (_, i) =>
        job(`j${count - 1 - i}`, SMALL, 'batch', NOW),
      );
      backlog.push(job('older', SMALL, 'batch', NOW - 1), job('i', SMALL, 'interactive', NOW));
      const expected = ['i', 'older', ...Array.from({ length: count }, (_, i) => `j${i}`)];
      assert.deepEqual(ids(byClassAndAge(backlog)), expected);
    }
  });

  it('orders a long window by class, time, then id', () => {
    // 1,000 jobs over 300 ms: many share a millisecond with a few others.
    const classes = ['batch', 'interactive', 'standard'] as const;
    const backlog = Array.from({ length: 1_000 }, (_, i) =>
      job(`j${(i * 7919) % 1_000}`, SMALL, classes[i % 3], NOW - ((i * 31) % 300)),
    );
    const sorted = byClassAndAge(backlog);
    const rank = (j: PolicyJob) => ['interactive', 'standard', 'batch'].indexOf(j.priority);
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1], sorted[i]];
      const order = rank(a) - rank(b) || a.submittedAt - b.submittedAt || compareIds(a.id, b.id);
      assert.ok(order < 0, `${a.id} before ${b.id}`);
    }
    assert.equal(new Set(sorted).size, backlog.length);
  });

  it('orders times that are not whole milliseconds, and far apart, the same way', () => {
    const backlog = [
      job('late', SMALL, 'standard', NOW + 0.5),
      job('early', SMALL, 'standard', NOW + 0.25),
      job('b', SMALL, 'batch', 0),
      job('a', SMALL, 'standard', NOW + 0.25),
    ];
    assert.deepEqual(ids(byClassAndAge(backlog)), ['a', 'early', 'late', 'b']);
    const far = [
      job('new', SMALL, 'batch', Number.MAX_SAFE_INTEGER),
      job('old', SMALL, 'batch', 0),
    ];
    assert.deepEqual(ids(byClassAndAge(far)), ['old', 'new']);
  });
});
