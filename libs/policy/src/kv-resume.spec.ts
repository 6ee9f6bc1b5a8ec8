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
  summary,
} from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';
import type { PolicyJob } from './snapshot.js';

/** A standard job preempted after 1,000 tokens of a long prompt, its KV state saved on l4-b. */
function resumed(overrides: Partial<PolicyJob> = {}): PolicyJob {
  return job('s1', SMALL, 'standard', NOW - 5_000, {
    promptTokens: 6_000,
    checkpointTokens: 1_000,
    maxTokens: 1_100,
    preemptions: 1,
    kvStateOn: 'l4-b',
    ...overrides,
  });
}

describe('SensitivityPolicy resuming from a saved KV state', () => {
  const policy = new SensitivityPolicy();

  test('resumes a job where its KV state is, among equal workers', () => {
    const workers = ['l4-a', 'l4-b'].map((id) =>
      gpuWorker(id, 'l4', { loaded: [copy(SMALL, 17)] }),
    );
    const d = policy.decide(snapshot(workers, [resumed()]));
    assert.deepEqual(summary(d.actions), ['dispatch s1→l4-b']);
    assert.match(
      d.actions[0].reason,
      /; resumes from its saved KV state \(\d+ ms\) instead of recomputing 7000 tokens$/,
    );
    // Without the state the first worker by id takes it.
    const plain = policy.decide(snapshot(workers, [resumed({ kvStateOn: undefined })]));
    assert.deepEqual(summary(plain.actions), ['dispatch s1→l4-a']);
  });

  test('waits for the slot that holds its KV state when it frees sooner than a recompute', () => {
    const busy = gpuWorker('l4-b', 'l4', {
      maxConcurrentJobs: 1,
      loaded: [copy(SMALL, 17, { busySlots: 1 })],
      // Ten tokens from its end: the slot frees in well under the recompute's seconds.
      running: [running('r1', SMALL, 'interactive', { generatedTokens: 1_990 })],
    });
    const free = gpuWorker('l4-a', 'l4', { loaded: [copy(SMALL, 17)] });
    const d = policy.decide(snapshot([free, busy], [resumed()]));
    assert.deepEqual(summary(d.actions), []);
    assert.equal(d.waiting.length, 1);
    assert.match(d.waiting[0].reason, /^waits for a slot of small on l4-b in \d+ ms: /);
    assert.match(d.waiting[0].reason, /resumes from its saved KV state/);
  });

  test('recomputes elsewhere when the worker no longer holds the model', () => {
    const workers = [
      gpuWorker('l4-a', 'l4', { loaded: [copy(SMALL, 17)] }),
      gpuWorker('l4-b', 'l4', { loaded: [], memoryBudgetBytes: 20e9 }),
    ];
    const d = policy.decide(snapshot(workers, [resumed()]));
    assert.deepEqual(summary(d.actions), ['dispatch s1→l4-a']);
    assert.doesNotMatch(d.actions[0].reason, /saved KV state/);
  });
});
