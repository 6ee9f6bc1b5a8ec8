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

/** Scenarios from what the simulator showed on hetero-8 (see each test). */
describe('SensitivityPolicy, lessons from the simulator', () => {
  const policy = new SensitivityPolicy();

  test('a job is not sent behind a load still in flight on its worker', () => {
    // l4-a was sent a load of big 100 ms ago (it shows as loaded): its command stream is busy
    // for seconds, and a job sent there waits behind it even for the copy of small.
    const loading = gpuWorker('l4-a', 'l4', {
      loaded: [copy(SMALL, 17), copy(BIG, 33, { loadedAt: NOW - 100, lastUsedAt: NOW - 100 })],
    });
    const idle = gpuWorker('l4-b', 'l4', { loaded: [copy(SMALL, 17)] });
    const d = policy.decide(snapshot([loading, idle], [job('i1', SMALL, 'interactive')]));
    assert.deepEqual(summary(d.actions), ['dispatch i1→l4-b']);
    // Loaded long ago, the same copy is ready: the first worker by id takes the job.
    const settled = gpuWorker('l4-a', 'l4', { loaded: [copy(SMALL, 17), copy(BIG, 33)] });
    const again = policy.decide(snapshot([settled, idle], [job('i1', SMALL, 'interactive')]));
    assert.deepEqual(summary(again.actions), ['dispatch i1→l4-a']);
  });

  test('a job that meets its SLA on a loaded copy does not load another copy to finish sooner', () => {
    // The H100 would load small in a few hundred ms and finish sooner, but the L4's copy meets
    // the first-token SLA: each extra load held a worker's commands up and churned memory.
    const l4 = gpuWorker('l4', 'l4', { loaded: [copy(SMALL, 17)] });
    const h100 = gpuWorker('h100', 'h100-sxm', { loaded: [] });
    const d = policy.decide(snapshot([h100, l4], [job('i1', SMALL, 'interactive')]));
    assert.deepEqual(summary(d.actions), ['dispatch i1→l4']);
  });

  test('an idle copy is not shrunk to more than twice its full-residency time per token', () => {
    // 8 GB: big at 29 of 33 layers and small at 1 of 17. The demand for small would take big
    // down to about 25 layers (3.3× slower than full), which the floor refuses.
    const g1 = gpuWorker('g1', 'l4', {
      memoryBudgetBytes: 8 * GB,
      loaded: [copy(BIG, 29), copy(SMALL, 1)],
    });
    const backlog = [
      job('s1', SMALL, 'standard', NOW - 3),
      job('s2', SMALL, 'standard', NOW - 2),
      job('s3', SMALL, 'standard', NOW - 1),
      job('s4', BIG, 'standard'),
    ];
    const d = policy.decide(snapshot([g1], backlog, { batchFloorShare: 0 }));
    // Both run at their levels; nothing is re-offloaded.
    assert.deepEqual(summary(d.actions), ['dispatch s1→g1', 'dispatch s4→g1']);
  });

  test('a job counts the device time it shares with the copies decoding beside it', () => {
    // l4-a decodes a batch job of big: a job of small there prefills and decodes at half speed.
    const shared = gpuWorker('l4-a', 'l4', {
      loaded: [copy(SMALL, 17), copy(BIG, 33, { busySlots: 1 })],
      running: [running('r1', BIG, 'batch')],
    });
    const alone = gpuWorker('l4-b', 'l4', { loaded: [copy(SMALL, 17)] });
    const d = policy.decide(snapshot([shared, alone], [job('i1', SMALL, 'interactive')]));
    assert.deepEqual(summary(d.actions), ['dispatch i1→l4-b']);
  });

  test('no job is preempted for a job that misses its SLA anyway', () => {
    // i1 was submitted 3 s ago: its 2 s first-token target is gone whatever the round does.
    // Pausing s1 would only make the standard job late too; on hetero-8-overload a quarter of
    // the preemptions were of this kind, and the standard jobs they paused missed their SLA.
    const g1 = gpuWorker('g1', 'h100-sxm', {
      maxConcurrentJobs: 1,
      loaded: [copy(SMALL, 17, { busySlots: 1 })],
      running: [running('s1', SMALL, 'standard', { maxTokens: 6_000 })],
    });
    const noFloor = { batchFloorShare: 0 };
    const late = policy.decide(
      snapshot([g1], [job('i1', SMALL, 'interactive', NOW - 3_000)], noFloor),
    );
    assert.deepEqual(summary(late.actions), []);
    assert.equal(late.waiting.length, 1);
    assert.match(
      late.waiting[0].reason,
      /^waits for a slot of small on g1 .*; misses its SLA \(first token within -1\.0 s\): no preemption would meet it, and none is made for a job that misses anyway$/,
    );
    // Submitted now, the same job meets its target by pausing s1.
    const onTime = policy.decide(snapshot([g1], [job('i1', SMALL, 'interactive')], noFloor));
    assert.deepEqual(summary(onTime.actions), ['preempt s1 keep-kv←g1']);
  });

  test('a batch job does not load a partially offloaded copy to avoid a short wait', () => {
    // l4 has room for big at 30 of 33 layers only; h100's full copy of big frees its slot in
    // about 13 s. The partial load would finish b1 in 20.8 s, within batch patience, but the
    // slow copy stays for every job of big after it: on batch-flood-wide about one load in
    // eight was such a copy, loaded for one batch job and kept for the flood.
    const l4 = gpuWorker('l4', 'l4', { memoryBudgetBytes: 8 * GB });
    const h100 = gpuWorker('h100', 'h100-sxm', {
      loaded: [copy(BIG, 33, { busySlots: 1 })],
      running: [running('r1', BIG, 'batch', { maxTokens: 4_000 })],
    });
    const d = policy.decide(snapshot([h100, l4], [job('b1', BIG, 'batch')]));
    assert.deepEqual(summary(d.actions), []);
    assert.equal(d.waiting.length, 1);
    assert.match(d.waiting[0].reason, /^waits for a slot of big on h100 in 1\d\.\d s/);
    // With room for a full copy, the idle L4 is used at once.
    const roomy = gpuWorker('l4', 'l4', { memoryBudgetBytes: 20 * GB });
    const full = policy.decide(snapshot([h100, roomy], [job('b1', BIG, 'batch')]));
    assert.deepEqual(summary(full.actions), ['load big@33→l4', 'dispatch b1→l4']);
  });

  test('a batch job waits for a fast device rather than run 2.5× slower on an idle one', () => {
    // l4's copy of big is idle: b1 would finish there in 8.4 s; h100's copy frees its slot soon
    // and finishes b1 in 3.3 s. On the overloaded scenarios such jobs, taken within a patience
    // of 4×, held the slow devices and the last of them set the makespan.
    const l4 = gpuWorker('l4', 'l4', { loaded: [copy(BIG, 33)] });
    const h100 = gpuWorker('h100', 'h100-sxm', {
      loaded: [copy(BIG, 33, { busySlots: 1 })],
      running: [running('r1', BIG, 'batch', { generatedTokens: 1_500 })],
    });
    const d = policy.decide(snapshot([h100, l4], [job('b1', BIG, 'batch')]));
    assert.deepEqual(summary(d.actions), []);
    assert.match(
      d.waiting[0].reason,
      /^waits for a slot of big on h100 in 2\.3 s: finish 3\.3 s vs 8\.4 s on l4$/,
    );
    // Within 2× (r1 further from its end), the idle copy takes it.
    const busier = gpuWorker('h100', 'h100-sxm', {
      loaded: [copy(BIG, 33, { busySlots: 1 })],
      running: [running('r1', BIG, 'batch', { generatedTokens: 1_000 })],
    });
    const used = policy.decide(snapshot([busier, l4], [job('b1', BIG, 'batch')]));
    assert.deepEqual(summary(used.actions), ['dispatch b1→l4']);
  });

  test('a job counts the time it takes from the jobs decoding beside it', () => {
    // On h100, s1 would open a stream beside r1's batch of big and finish in 513 ms (605 ms
    // alone on l40s), but r1 loses about that much device time: processor sharing charges every
    // job beside a new stream. On hetero-8-overload, jobs spread over many copies per worker
    // (3–4 streams for 8 jobs) and each copy decoded small batches.
    const h100 = gpuWorker('h100', 'h100-sxm', {
      maxConcurrentJobs: 4,
      loaded: [copy(SMALL, 17, { slots: 2 }), copy(BIG, 33, { slots: 2, busySlots: 1 })],
      running: [running('r1', BIG, 'batch')],
    });
    const l40s = gpuWorker('l40s', 'l40s', { loaded: [copy(SMALL, 17)] });
    const noFloor = { batchFloorShare: 0 };
    const d = policy.decide(snapshot([h100, l40s], [job('s1', SMALL, 'standard')], noFloor));
    assert.deepEqual(summary(d.actions), ['dispatch s1→l40s']);
    assert.match(d.actions[0].reason, /^l40s: predicted finish 605 ms vs 513 ms on h100;/);
    // Joining a batch of its own model there costs r1 nothing: the h100 takes it.
    const batching = gpuWorker('h100', 'h100-sxm', {
      maxConcurrentJobs: 4,
      loaded: [
        copy(SMALL, 17, { slots: 2, busySlots: 1 }),
        copy(BIG, 33, { slots: 2, busySlots: 1 }),
      ],
      running: [running('r1', BIG, 'batch'), running('r2', SMALL, 'batch')],
    });
    const joined = policy.decide(
      snapshot([batching, l40s], [job('s1', SMALL, 'standard')], noFloor),
    );
    assert.deepEqual(summary(joined.actions), ['dispatch s1→h100']);
  });
});
