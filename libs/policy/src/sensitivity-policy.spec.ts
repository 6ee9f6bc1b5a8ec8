import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CostModel } from '#switchyard/cost-model';
import { createPolicy, POLICY_NAMES } from './policies.js';
import {
  BIG,
  copy,
  cpuWorker,
  GB,
  gpuBytes,
  gpuWorker,
  job,
  NOW,
  running,
  SMALL,
  snapshot,
  summary,
  TINY,
} from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';
import type { PolicyWorker } from './snapshot.js';

const costModel = new CostModel();
const CONTEXT = 4096;

/** Milliseconds a fixture job (200 prompt tokens, 200 generated) runs on a catalog device. */
function runMs(device: string, gpuLayers: number, spec = SMALL.spec!): number {
  const query = { model: spec, device, gpuLayers, contextSize: CONTEXT, threads: 8 };
  const prefill = (200 / costModel.predictPrefillTokensPerSecond(query)) * 1000;
  return prefill + 200 * (1000 / costModel.predictDecodeTokensPerSecond(query));
}

function loadMs(device: string, gpuLayers: number, spec = SMALL.spec!): number {
  const query = { model: spec, device, gpuLayers, contextSize: CONTEXT, threads: 8 };
  return costModel.predictLoadMs(query, 'warm');
}

/** One slot, one job at a time, `model` loaded and idle. */
function single(id: string, device: string, overrides: Partial<PolicyWorker> = {}): PolicyWorker {
  return gpuWorker(id, device, { maxConcurrentJobs: 1, loaded: [copy(SMALL, 17)], ...overrides });
}

describe('SensitivityPolicy', () => {
  const policy = new SensitivityPolicy();

  test('is the default policy', () => {
    assert.equal(POLICY_NAMES[0], 'sensitivity');
    assert.ok(createPolicy('sensitivity') instanceof SensitivityPolicy);
  });

  describe('placement across heterogeneous workers', () => {
    test('an interactive job goes to the fast GPU, a batch job fills the slow one within 2×', () => {
      const workers = [single('h100', 'h100-sxm'), single('l4', 'l4')];
      const backlog = [job('b1', SMALL, 'batch', NOW - 5_000), job('i1', SMALL, 'interactive')];
      const d = policy.decide(snapshot(workers, backlog));
      assert.match(d.actions[0].reason, /^h100: predicted finish \d+ ms vs 1\.\d s on l4/);
      // The L4 would finish b1 in 1.5 s, 2.9× the 513 ms of the H100 after i1: beyond
      // BATCH_PATIENCE (2), b1 waits for the H100.
      assert.deepEqual(summary(d.actions), ['dispatch i1→h100']);
      assert.match(
        d.waiting[0].reason,
        /^waits for a slot of small on h100 in \d+ ms: finish 5\d\d ms vs 1\.5 s on l4$/,
      );
      // A longer job on the H100 leaves b1 within 2× on the L4, which it then fills.
      const slow = [
        job('b1', SMALL, 'batch', NOW - 5_000),
        job('i1', SMALL, 'interactive', NOW, { maxTokens: 600 }),
      ];
      const filled = policy.decide(snapshot(workers, slow));
      assert.deepEqual(summary(filled.actions), ['dispatch i1→h100', 'dispatch b1→l4']);
      assert.deepEqual(filled.waiting, []);
    });

    test('a standard job waits for the fast GPU when it finishes sooner there', () => {
      const workers = [single('h100', 'h100-sxm'), single('l4', 'l4')];
      const backlog = [job('i1', SMALL, 'interactive'), job('s1', SMALL, 'standard')];
      const d = policy.decide(snapshot(workers, backlog));
      assert.deepEqual(summary(d.actions), ['dispatch i1→h100']);
      assert.equal(d.waiting.length, 1);
      const wait = d.waiting[0];
      assert.equal(wait.jobId, 's1');
      assert.equal(wait.position, 1);
      assert.equal(wait.estimatedStartAt, Math.round(NOW + runMs('h100-sxm', 17)));
      assert.match(wait.reason, /^waits for a slot of small on h100 in \d+ ms: finish \d+ ms vs/);
      assert.match(wait.reason, /1\.\d s on l4/);
    });

    test('a model that is not loaded goes where loading and running finish soonest', () => {
      const workers = [cpuWorker('cpu-1', { loaded: [] }), gpuWorker('l4', 'l4')];
      const d = policy.decide(snapshot(workers, [job('s1', BIG, 'standard')]));
      assert.deepEqual(summary(d.actions), ['load big@33→l4', 'dispatch s1→l4']);
      assert.match(
        d.actions[1].reason,
        /^l4: predicted finish 11\.\d s vs at least \d+\.\d min on cpu-1;/,
      );
    });

    test('a CPU worker always loads at 0 GPU layers', () => {
      const d = policy.decide(snapshot([cpuWorker('cpu-1')], [job('b1', SMALL, 'batch')]));
      assert.deepEqual(summary(d.actions), ['load small@0→cpu-1', 'dispatch b1→cpu-1']);
    });

    test('without a cost model every device is alike and models load whole', () => {
      const s = snapshot([gpuWorker('g1', 'l4')], [job('s1', BIG, 'standard')]);
      delete s.costModel;
      const d = policy.decide(s);
      assert.deepEqual(summary(d.actions), ['load big@32→g1', 'dispatch s1→g1']);
    });

    test('a model no worker serves waits with a reason and a position', () => {
      const d = policy.decide(
        snapshot([gpuWorker('g1', 'l4', { models: ['small'] })], [job('s1', BIG, 'standard')]),
      );
      assert.deepEqual(d.actions, []);
      assert.deepEqual(d.waiting, [
        { jobId: 's1', reason: 'no live worker can serve model big', position: 1 },
      ]);
    });
  });

  describe('offload levels by sensitivity', () => {
    test('two models sharing a GPU: the small one gets full residency first', () => {
      // 10 GB hold big at 33 layers (8.8 GB) or small at 17 (1.7 GB) beside big at 32, not both.
      const g1 = gpuWorker('g1', 'l4', {
        memoryBudgetBytes: 10 * GB,
        loaded: [copy(BIG, 33), copy(SMALL, 4)],
      });
      const backlog = [job('s1', SMALL, 'standard'), job('s2', BIG, 'standard')];
      const d = policy.decide(snapshot([g1], backlog));
      assert.deepEqual(summary(d.actions), [
        'reoffload big@32→g1',
        'reoffload small@17→g1',
        'dispatch s1→g1',
        'dispatch s2→g1',
      ]);
      assert.match(d.actions[1].reason, /^small 4→17 GPU layers: .*small 55\.\d→7\.4 ms\/token/);
      assert.match(d.actions[1].reason, /gain \d+ % ≥ 20 %/);
    });

    test('a model is placed partially offloaded when that finishes sooner than waiting for memory', () => {
      // big runs a batch job with 1,000 tokens to go (about 42 s); 1.2 GB are free.
      const g1 = gpuWorker('g1', 'l4', {
        memoryBudgetBytes: 10 * GB,
        loaded: [copy(BIG, 33, { busySlots: 1 })],
        running: [running('r1', BIG, 'batch')],
      });
      const d = policy.decide(snapshot([g1], [job('s1', SMALL, 'standard')]));
      assert.deepEqual(summary(d.actions), ['load small@12→g1', 'dispatch s1→g1']);
      assert.match(
        d.actions[0].reason,
        /^for job s1: 12\/17 GPU layers \(1\.1 GiB\), ready in \d+ ms; partially offloaded it finishes job s1 in \d+\.\d s vs 4\d\.\d s waiting for memory on g1$/,
      );
    });

    test('a job waits for memory when that finishes sooner than a partial copy', () => {
      const g1 = gpuWorker('g1', 'l4', {
        memoryBudgetBytes: 10 * GB,
        loaded: [copy(BIG, 33, { busySlots: 1 })],
        running: [running('r1', BIG, 'batch', { generatedTokens: 1_995 })],
      });
      const d = policy.decide(snapshot([g1], [job('s1', SMALL, 'standard')]));
      assert.deepEqual(d.actions, []);
      assert.match(
        d.waiting[0].reason,
        /^waits for memory for small \(1\.6 GiB free on g1 in \d+ ms when the jobs of big end\)/,
      );
    });

    test('hysteresis: a re-offload that gains less than reoffloadMinGain does not happen', () => {
      // big at 31 layers could take 32 in free memory: 11 % faster for its demand, reload included.
      const budget = gpuBytes(BIG, 32) + 1e6;
      const g1 = () =>
        gpuWorker('g1', 'l4', { memoryBudgetBytes: budget, loaded: [copy(BIG, 31)] });
      const backlog = [job('b1', BIG, 'batch', NOW, { maxTokens: 2_000 })];
      const settled = policy.decide(snapshot([g1()], backlog));
      assert.deepEqual(summary(settled.actions), ['dispatch b1→g1']);
      const eager = policy.decide(snapshot([g1()], backlog, { reoffloadMinGain: 0.05 }));
      assert.deepEqual(summary(eager.actions), ['reoffload big@32→g1', 'dispatch b1→g1']);
      assert.match(eager.actions[0].reason, /gain 1\d % ≥ 5 %/);
    });
  });

  describe('cost-aware preemption', () => {
    // g1 runs a long batch job on small; g2 holds an idle big that fills its budget.
    const fleet = (batchOverrides = {}) => [
      single('g1', 'h100-sxm', {
        loaded: [copy(SMALL, 17, { busySlots: 1 })],
        running: [running('b1', SMALL, 'batch', { maxTokens: 6_000, ...batchOverrides })],
      }),
      gpuWorker('g2', 'h100-sxm', {
        maxConcurrentJobs: 1,
        memoryBudgetBytes: BIG.memoryBytes,
        loaded: [copy(BIG, 32)],
      }),
    ];
    const noFloor = { batchFloorShare: 0 };

    test('pausing a batch job with its KV kept is cheaper than evicting a model', () => {
      const d = policy.decide(snapshot(fleet(), [job('i1', SMALL, 'interactive')], noFloor));
      // The slot frees once the KV state is saved: the job waits for it instead of bouncing.
      assert.deepEqual(summary(d.actions), ['preempt b1 keep-kv←g1']);
      assert.match(
        d.actions[0].reason,
        /^interactive job i1 would miss its SLA \(first token within 2\.0 s\): without preemption its first token comes in 6\.\d s; pausing batch job b1 on g1 \(keep-kv, \d+ ms\) is the cheapest way that meets it, first token in \d+ ms; next cheapest: evicts idle big \(reload \d\.\d s\) on g2$/,
      );
      assert.equal(d.waiting.length, 1);
      assert.match(
        d.waiting[0].reason,
        /^waits for the slot its preemption frees on g1, which preempts batch job b1 \(keep-kv, \d+ ms\); starts in \d+ ms$/,
      );
      assert.ok(d.waiting[0].estimatedStartAt! - NOW < 10);
    });

    test('a recompute pause frees the slot at once: preempt and dispatch in one decision', () => {
      const g1 = single('g1', 'h100-sxm', {
        loaded: [copy(TINY, 13, { busySlots: 1 })],
        running: [running('b1', TINY, 'batch', { maxTokens: 1_000_000 })],
      });
      const d = policy.decide(snapshot([g1], [job('i1', TINY, 'interactive')], noFloor));
      assert.deepEqual(summary(d.actions), ['preempt b1 recompute←g1', 'dispatch i1→g1']);
      assert.deepEqual(d.waiting, []);
    });

    test('evicts an idle model when no lower-class job may be paused', () => {
      const d = policy.decide(
        snapshot(fleet({ preemptions: 2 }), [job('i1', SMALL, 'interactive')], noFloor),
      );
      assert.deepEqual(summary(d.actions), ['unload big←g2', 'load small@17→g2', 'dispatch i1→g2']);
    });

    test('never preempts for a job of the same class', () => {
      const workers = [
        single('g1', 'h100-sxm', {
          loaded: [copy(SMALL, 17, { busySlots: 1 })],
          running: [running('x1', SMALL, 'interactive', { maxTokens: 6_000 })],
        }),
      ];
      const d = policy.decide(snapshot(workers, [job('i1', SMALL, 'interactive')], noFloor));
      assert.deepEqual(d.actions, []);
      assert.match(
        d.waiting[0].reason,
        /misses its SLA \(first token within 2\.0 s\): no lower-class job may be preempted/,
      );
    });

    test('respects the preemption cap: a capped job runs to the end', () => {
      const g1 = gpuWorker('g1', 'h100-sxm', {
        loaded: [copy(SMALL, 17, { slots: 2, busySlots: 2 })],
        running: [
          running('b1', SMALL, 'batch', { maxTokens: 6_000, preemptions: 2 }),
          running('b2', SMALL, 'batch', { maxTokens: 6_000, preemptions: 1 }),
        ],
      });
      const d = policy.decide(snapshot([g1], [job('i1', SMALL, 'interactive')], noFloor));
      assert.deepEqual(summary(d.actions), ['preempt b2 keep-kv←g1']);
    });

    test('waits for the slot a preemption frees when the model must be evicted first', () => {
      // g1 runs big for a batch job; small is not loaded anywhere and there is no free memory.
      const g1 = gpuWorker('g1', 'h100-sxm', {
        maxConcurrentJobs: 1,
        memoryBudgetBytes: BIG.memoryBytes,
        loaded: [copy(BIG, 32, { busySlots: 1 })],
        running: [running('b1', BIG, 'batch', { maxTokens: 6_000 })],
      });
      const d = policy.decide(snapshot([g1], [job('i1', SMALL, 'interactive')], noFloor));
      assert.deepEqual(summary(d.actions), ['preempt b1 recompute←g1']);
      assert.equal(d.waiting[0].jobId, 'i1');
      assert.match(
        d.waiting[0].reason,
        /^waits for the slot its preemption frees on g1, which evicts big \(reload \d\.\d s\) once batch job b1 stopped; starts in \d+ ms$/,
      );
      assert.ok(d.waiting[0].estimatedStartAt! > NOW);
    });

    test('a job being preempted is not preempted again and its slot counts as freeing', () => {
      const g1 = single('g1', 'h100-sxm', {
        loaded: [copy(SMALL, 17, { busySlots: 1 })],
        running: [running('b1', SMALL, 'batch', { maxTokens: 6_000, preempting: true })],
      });
      const d = policy.decide(snapshot([g1], [job('i1', SMALL, 'interactive')], noFloor));
      assert.deepEqual(d.actions, []);
      assert.match(d.waiting[0].reason, /^waits for a slot of small on g1 in \d ms/);
    });
  });

  describe('no thrashing, no starvation', () => {
    test('minimum residency prevents an eviction; the job waits for it', () => {
      const g1 = (loadedAt: number) =>
        gpuWorker('g1', 'l4', {
          memoryBudgetBytes: BIG.memoryBytes,
          loaded: [copy(BIG, 32, { loadedAt, lastUsedAt: loadedAt })],
        });
      const recent = policy.decide(snapshot([g1(NOW - 4_000)], [job('s1', SMALL, 'standard')]));
      assert.deepEqual(recent.actions, []);
      assert.match(
        recent.waiting[0].reason,
        /^waits for memory for small \(1\.6 GiB free on g1 in 6\.0 s when the minimum residency of big ends\)/,
      );
      assert.equal(recent.waiting[0].estimatedStartAt, Math.round(NOW + 6_000 + loadMs('l4', 17)));
      const old = policy.decide(snapshot([g1(NOW - 20_000)], [job('s1', SMALL, 'standard')]));
      assert.deepEqual(summary(old.actions), [
        'unload big←g1',
        'load small@17→g1',
        'dispatch s1→g1',
      ]);
      assert.match(
        old.actions[0].reason,
        /resident 20\.0 s \(minimum 10\.0 s\); evicted on g1 for small/,
      );
    });

    test('batch jobs for a loaded model go first instead of evicting it', () => {
      // Room for small or for big, not for both.
      const g1 = gpuWorker('g1', 'l4', {
        memoryBudgetBytes: SMALL.memoryBytes + 0.2 * GB,
        loaded: [copy(SMALL, 17)],
      });
      const backlog = [job('b1', BIG, 'batch', NOW - 1_000), job('b2', SMALL, 'batch')];
      const d = policy.decide(snapshot([g1], backlog));
      assert.deepEqual(summary(d.actions), ['dispatch b2→g1']);
      assert.equal(d.waiting[0].jobId, 'b1');
    });

    test('the batch floor keeps batch work progressing under an interactive flood', () => {
      // 5 workers × 2 slots: 10 % of 10 slots is one slot for batch work.
      const workers = ['g1', 'g2', 'g3', 'g4', 'g5'].map((id) =>
        gpuWorker(id, 'h100-sxm', { loaded: [copy(SMALL, 17, { slots: 2 })] }),
      );
      const flood = Array.from({ length: 12 }, (_, i) => job(`i${i + 1}`, SMALL, 'interactive'));
      const backlog = [
        job('b1', SMALL, 'batch', NOW - 60_000),
        job('b2', SMALL, 'batch', NOW - 50_000),
        ...flood,
      ];
      const d = policy.decide(snapshot(workers, backlog));
      const dispatched = d.actions.map((a) => (a.type === 'dispatch' ? a.jobId : a.type));
      assert.deepEqual(dispatched, ['i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9', 'b1']);
      assert.match(
        d.actions[9].reason,
        /batch floor: 1 slot\(s\) of the fleet kept for batch work$/,
      );
      assert.deepEqual(
        d.waiting.map((w) => `${w.jobId}#${w.position}`),
        ['i10#1', 'i11#2', 'i12#3', 'b2#1'],
      );
    });

    test('the batch floor protects the last batch job from preemption', () => {
      const workers = ['g1', 'g2', 'g3', 'g4', 'g5'].map((id, w) =>
        gpuWorker(id, 'h100-sxm', {
          loaded: [copy(SMALL, 17, { slots: 2, busySlots: 2 })],
          running: [0, 1].map((slot) =>
            running(`r${w}${slot}`, SMALL, w === 0 && slot === 0 ? 'batch' : 'interactive', {
              maxTokens: 6_000,
            }),
          ),
        }),
      );
      const d = policy.decide(snapshot(workers, [job('i1', SMALL, 'interactive')]));
      assert.deepEqual(d.actions, []);
      assert.match(
        d.waiting[0].reason,
        /no lower-class job may be preempted \(class, preemption cap or batch floor\)/,
      );
    });
  });

  describe('explainable and pure', () => {
    const busyFleet = () => [
      gpuWorker('h100', 'h100-sxm', {
        loaded: [copy(SMALL, 17, { busySlots: 1 }), copy(BIG, 33)],
        running: [running('r1', SMALL, 'batch')],
      }),
      gpuWorker('l4', 'l4', { memoryBudgetBytes: 10 * GB, loaded: [copy(BIG, 33)] }),
      cpuWorker('cpu-1'),
    ];
    const backlog = () => [
      job('i1', SMALL, 'interactive'),
      job('s1', BIG, 'standard', NOW - 1_000),
      job('s2', SMALL, 'standard', NOW - 2_000),
      ...Array.from({ length: 6 }, (_, i) =>
        job(`b${i + 1}`, i % 2 ? SMALL : BIG, 'batch', NOW - i),
      ),
    ];

    test('every action has a reason; every waiting job a position and an estimated start', () => {
      const d = policy.decide(snapshot(busyFleet(), backlog()));
      assert.ok(d.actions.length > 0);
      for (const action of d.actions) assert.match(action.reason, /\d/);
      assert.ok(d.waiting.length > 0);
      for (const wait of d.waiting) {
        assert.ok(wait.position! >= 1, wait.jobId);
        assert.ok(wait.estimatedStartAt! >= NOW, wait.jobId);
      }
    });

    test('same snapshot, same decision; the input is not changed', () => {
      const s = snapshot(busyFleet(), backlog());
      const before = structuredClone({ ...s, costModel: undefined });
      const first = policy.decide(s);
      assert.deepEqual(policy.decide(s), first);
      assert.deepEqual(new SensitivityPolicy().decide(s), first);
      assert.deepEqual({ ...s, costModel: undefined }, before);
    });

    test('the memory sizes it plans with match the cost model', () => {
      assert.equal(gpuBytes(SMALL, 16), copy(SMALL, 16).memoryBytes);
    });
  });
});
