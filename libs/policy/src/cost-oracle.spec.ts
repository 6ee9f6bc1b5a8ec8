import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostOracle, type PredictionMemo } from './cost-oracle.js';
import { BIG, copy, gpuWorker, job, NOW, running, snapshot } from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';

describe('CostOracle.remainingMs', () => {
  const worker = gpuWorker('l4', 'l4');
  const oracle = () => new CostOracle(snapshot([worker], []), new WeakMap() as PredictionMemo);

  it("predicts a run's end from the rate it measured, when it has one", () => {
    // 1,000 of 2,000 tokens left at a measured 100 tokens/s: 10 s, whatever the profile says.
    const measured = running('b1', BIG, 'batch', { decodeTokensPerSecond: 100 });
    assert.equal(oracle().remainingMs(measured, worker, 33), 10_000);
  });

  it('falls back on the cost model without a measured rate', () => {
    const unmeasured = running('b1', BIG, 'batch');
    const predicted = oracle().remainingMs(unmeasured, worker, 33);
    assert.notEqual(predicted, 10_000);
    assert.ok(predicted > 0);
    assert.equal(
      oracle().remainingMs({ ...unmeasured, decodeTokensPerSecond: 0 }, worker, 33),
      predicted,
    );
  });
});

describe('a slow measured rate makes a waiting interactive job preempt sooner', () => {
  it('waits for a batch job that will end in time, preempts one that will not', () => {
    const busy = (rate: number) =>
      gpuWorker('l4', 'l4', {
        maxConcurrentJobs: 1,
        loaded: [copy(BIG, 33, { busySlots: 1 })],
        running: [
          running('b1', BIG, 'batch', { generatedTokens: 1_990, decodeTokensPerSecond: rate }),
        ],
      });
    const urgent = job('i1', BIG, 'interactive', NOW);
    const fast = new SensitivityPolicy().decide(snapshot([busy(1_000)], [urgent]));
    const slow = new SensitivityPolicy().decide(snapshot([busy(1)], [urgent]));
    assert.equal(fast.actions.filter((a) => a.type === 'preempt').length, 0);
    assert.equal(slow.actions.filter((a) => a.type === 'preempt').length, 1);
  });
});
