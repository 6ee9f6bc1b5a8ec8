import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CostModel, syntheticModelSpec } from '#switchyard/cost-model';
import { PlacementRates } from './placement-rates.js';
import type { FleetGroup } from './scenario.js';
import { SimInstance } from './sim-instance.js';
import { SimJob } from './sim-job.js';
import { SimWorker } from './sim-worker.js';

const costModel = new CostModel();
const small = syntheticModelSpec({ name: 'small', shape: 'synth-5m', quantization: 'Q8_0' });
const large = syntheticModelSpec({ name: 'large', shape: 'synth-300m', quantization: 'Q8_0' });

/** A worker of `device` with a copy of each model, and jobs on them in the given phases. */
function workerWith(device: 'cpu' | 'h100-sxm') {
  const group: FleetGroup = {
    device,
    count: 1,
    prefix: device,
    memoryBudgetBytes: 8e9,
    slotsPerModel: 2,
    maxConcurrentJobs: 4,
    threads: 1,
    models: ['small', 'large'],
  };
  const worker = new SimWorker(0, `${device}-1`, group, costModel.device(device), 24e9, [], 64);
  const copy = (id: number, spec: typeof small) =>
    new SimInstance(
      id,
      spec.name,
      0,
      2,
      new PlacementRates(costModel, spec, device, 0, 2048, 1),
      0,
      0,
    );
  const copies = { small: copy(1, small), large: copy(2, large) };
  const job = (id: number, on: SimInstance, phase: 'prefill' | 'decoding', prompt: number) => {
    const j = new SimJob({
      id: String(id),
      index: id,
      stream: 0,
      priority: 'batch',
      model: on.model,
      submittedAt: 0,
      promptTokens: prompt,
      outputTokens: 100,
      maxTokens: 100,
    });
    j.phase = phase;
    j.instance = on;
    j.prefillTokens = prompt;
    j.remaining = phase === 'prefill' ? prompt : 100;
    on.jobs.add(j);
    worker.active.push(j);
    return j;
  };
  return { worker, copies, job };
}

describe('SimWorker: how the streams of a worker share it', () => {
  test('on a CPU the copies take turns: each decodes one token per cycle of every step', () => {
    const { worker, copies, job } = workerWith('cpu');
    const a = job(1, copies.small, 'decoding', 10);
    const b = job(2, copies.large, 'decoding', 20);
    const c = job(3, copies.small, 'prefill', 100);
    worker.reschedule();
    const stepSmall = copies.small.rates.decodeStepMs(1, 10);
    const stepLarge = copies.large.rates.decodeStepMs(1, 20);
    // A prompt chunk of 64 tokens is the prefill's turn.
    const chunk = 64 * copies.small.rates.prefillMsPerToken(100);
    const cycle = stepSmall + stepLarge + chunk;
    assert.equal(a.rate, 1 / cycle);
    assert.equal(b.rate, 1 / cycle);
    assert.equal(c.rate, 64 / cycle);
    // The small copy decodes at the large one's pace: far below a third of its own rate.
    assert.ok(a.rate < 1 / (3 * stepSmall) / 10);
  });

  test('on a CPU a prompt shorter than a chunk is one turn; a batch is one step', () => {
    const { worker, copies, job } = workerWith('cpu');
    const a = job(1, copies.small, 'decoding', 10);
    const b = job(2, copies.small, 'decoding', 30);
    const c = job(3, copies.large, 'prefill', 20);
    worker.reschedule();
    const cycle =
      copies.small.rates.decodeStepMs(2, 40) + 20 * copies.large.rates.prefillMsPerToken(20);
    assert.equal(a.rate, 1 / cycle);
    assert.equal(b.rate, 1 / cycle);
    assert.equal(c.rate, 20 / cycle);
  });

  test('on a GPU the streams share the device by processor sharing', () => {
    const { worker, copies, job } = workerWith('h100-sxm');
    const a = job(1, copies.small, 'decoding', 10);
    const b = job(2, copies.large, 'decoding', 20);
    const c = job(3, copies.small, 'prefill', 100);
    worker.reschedule();
    assert.equal(a.rate, 1 / (copies.small.rates.decodeStepMs(1, 10) * 3));
    assert.equal(b.rate, 1 / (copies.large.rates.decodeStepMs(1, 20) * 3));
    assert.equal(c.rate, 1 / (copies.small.rates.prefillMsPerToken(100) * 3));
  });
});
