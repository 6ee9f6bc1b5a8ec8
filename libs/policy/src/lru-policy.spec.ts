import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PriorityClass } from '#switchyard/contracts';
import { LruPolicy } from './lru-policy.js';
import {
  BIG,
  job as fixtureJob,
  GB,
  gpuBytes,
  gpuWorker,
  NOW,
  SMALL,
  snapshot as fixtureSnapshot,
} from './policy-test-fixtures.js';
import type { FleetSnapshot, PolicyJob, PolicyWorker } from './snapshot.js';

const MiB = 1024 ** 2;

function worker(id: string, overrides: Partial<PolicyWorker> = {}): PolicyWorker {
  return {
    id,
    device: { kind: 'cpu', name: 'cpu', gpuMemoryTotalBytes: 0, ramTotalBytes: 0, threads: 2 },
    memoryBudgetBytes: 1000 * MiB,
    slotsPerModel: 2,
    maxConcurrentJobs: 2,
    models: ['a', 'b', 'c'],
    loaded: [],
    running: [],
    draining: false,
    ...overrides,
  };
}

function job(
  id: string,
  model: string,
  priority: PriorityClass = 'standard',
  submittedAt = 0,
): PolicyJob {
  return { id, model, priority, submittedAt, maxTokens: 16 };
}

function snapshot(workers: PolicyWorker[], backlog: PolicyJob[]): FleetSnapshot {
  return {
    now: 1000,
    workers,
    backlog,
    contextSize: 2048,
    models: {
      a: { name: 'a', layers: 4, fileBytes: 100 * MiB, memoryBytes: 400 * MiB },
      b: { name: 'b', layers: 4, fileBytes: 100 * MiB, memoryBytes: 400 * MiB },
      c: { name: 'c', layers: 8, fileBytes: 300 * MiB, memoryBytes: 700 * MiB },
    },
  };
}

const loaded = (model: string, lastUsedAt: number, busySlots = 0, memoryBytes = 400 * MiB) => ({
  model,
  gpuLayers: 0,
  memoryBytes,
  slots: 2,
  busySlots,
  loadedAt: 0,
  lastUsedAt,
});

describe('LruPolicy', () => {
  const lru = new LruPolicy();

  test('dispatches to a worker that has the model loaded with a free slot', () => {
    const d = lru.decide(snapshot([worker('w1', { loaded: [loaded('a', 0)] })], [job('1', 'a')]));
    assert.deepEqual(
      d.actions.map((a) => a.type + ':' + a.workerId),
      ['dispatch:w1'],
    );
    assert.deepEqual(d.waiting, []);
  });

  test('loads on demand (0 GPU layers on a CPU worker) and dispatches behind the load', () => {
    const d = lru.decide(snapshot([worker('w1')], [job('1', 'a')]));
    assert.equal(d.actions.length, 2);
    assert.deepEqual(
      { ...d.actions[0], reason: undefined },
      {
        type: 'load',
        workerId: 'w1',
        model: 'a',
        gpuLayers: 0,
        contextSize: 2048,
        slots: 2,
        reason: undefined,
      },
    );
    assert.equal(d.actions[1].type, 'dispatch');
  });

  test('a GPU worker loads every layer', () => {
    const gpu = worker('g1', {
      device: {
        kind: 'cuda',
        name: 'H100',
        gpuMemoryTotalBytes: 80e9,
        ramTotalBytes: 0,
        threads: 8,
      },
    });
    const d = lru.decide(snapshot([gpu], [job('1', 'c')]));
    assert.equal(d.actions[0].type === 'load' && d.actions[0].gpuLayers, 8);
  });

  test('evicts the least recently used idle model when the budget is full', () => {
    const w = worker('w1', {
      loaded: [loaded('a', 50), loaded('b', 10)],
      memoryBudgetBytes: 1000 * MiB,
    });
    const d = lru.decide(snapshot([w], [job('1', 'c')]));
    assert.deepEqual(
      d.actions.map((a) => `${a.type}:${a.model}`),
      ['unload:b', 'unload:a', 'load:c', 'dispatch:c'],
    );
  });

  test('evicts only as many models as needed, least recently used first', () => {
    const w = worker('w1', {
      loaded: [loaded('a', 50), loaded('b', 10)],
      memoryBudgetBytes: 1200 * MiB,
    });
    const d = lru.decide(snapshot([w], [job('1', 'c', 'standard')]));
    assert.deepEqual(
      d.actions.map((a) => `${a.type}:${a.model}`),
      ['unload:b', 'load:c', 'dispatch:c'],
    );
  });

  test('never evicts a busy model: the job waits with a reason', () => {
    const w = worker('w1', {
      loaded: [loaded('a', 10, 1)],
      running: [{ jobId: 'x', model: 'a', priority: 'batch' }],
      memoryBudgetBytes: 500 * MiB,
    });
    const d = lru.decide(snapshot([w], [job('1', 'b')]));
    assert.deepEqual(d.actions, []);
    assert.deepEqual(d.waiting, [
      { jobId: '1', reason: "no memory for b: every worker's models are busy" },
    ]);
  });

  test('serves interactive before standard before batch, FIFO inside a class', () => {
    const w = worker('w1', { loaded: [loaded('a', 0)], maxConcurrentJobs: 2 });
    const backlog = [
      job('b1', 'a', 'batch', 1),
      job('b2', 'a', 'batch', 2),
      job('s1', 'a', 'standard', 3),
      job('i1', 'a', 'interactive', 4),
    ];
    const d = lru.decide(snapshot([w], backlog));
    assert.deepEqual(
      d.actions.map((a) => (a.type === 'dispatch' ? a.jobId : a.type)),
      ['i1', 's1'],
    );
    assert.deepEqual(
      d.waiting.map((x) => x.jobId),
      ['b1', 'b2'],
    );
    assert.match(d.waiting[0].reason, /slots of a are busy/);
  });

  test('fifo ignores classes and blocks behind the first job that cannot start', () => {
    const fifo = new LruPolicy({ strictFifo: true });
    const w = worker('w1', { loaded: [loaded('a', 0)], maxConcurrentJobs: 1 });
    const d = fifo.decide(
      snapshot([w], [job('b1', 'a', 'batch', 1), job('i1', 'a', 'interactive', 2)]),
    );
    assert.deepEqual(
      d.actions.map((a) => (a.type === 'dispatch' ? a.jobId : a.type)),
      ['b1'],
    );
    assert.deepEqual(d.waiting, [{ jobId: 'i1', reason: 'all slots of a are busy' }]);
  });

  test('spreads jobs to the least busy worker and skips draining workers', () => {
    const w1 = worker('w1', {
      loaded: [loaded('a', 0, 1)],
      running: [{ jobId: 'x', model: 'a', priority: 'batch' }],
    });
    const w2 = worker('w2', { loaded: [loaded('a', 0)] });
    const w3 = worker('w3', { loaded: [loaded('a', 0)], draining: true });
    const d = lru.decide(snapshot([w1, w2, w3], [job('1', 'a')]));
    assert.deepEqual(
      d.actions.map((a) => a.workerId),
      ['w2'],
    );
  });

  test('a model no worker can serve waits with a reason', () => {
    const d = lru.decide(snapshot([worker('w1', { models: ['a'] })], [job('1', 'zzz')]));
    assert.deepEqual(d.waiting, [{ jobId: '1', reason: 'no live worker can serve model zzz' }]);
  });

  test('is deterministic and does not change its input', () => {
    const s = snapshot([worker('w1'), worker('w2')], [job('1', 'a'), job('2', 'b'), job('3', 'c')]);
    const copy = structuredClone(s);
    assert.deepEqual(lru.decide(s), lru.decide(s));
    assert.deepEqual(s, copy);
  });

  test('a full copy counts the output layer as sensitivity does, and books its memory', () => {
    // small: 16 blocks; the engine counts the output as one more GPU layer.
    const gpu = gpuWorker('l4', 'l4', { memoryBudgetBytes: 20 * GB });
    const s = fixtureSnapshot([gpu], [fixtureJob('j1', SMALL, 'standard')]);
    const d = lru.decide(s);
    assert.deepEqual(
      d.actions.map((a) => (a.type === 'load' ? `load ${a.model}@${a.gpuLayers}` : a.type)),
      ['load small@17', 'dispatch'],
    );
    // The bytes booked are those of 17 layers: a second job of another model sees them taken.
    const full = gpuBytes(SMALL, 17);
    assert.ok(full > SMALL.memoryBytes);
    const tight = gpuWorker('l4', 'l4', {
      memoryBudgetBytes: full + BIG.memoryBytes - 1,
      maxConcurrentJobs: 4,
    });
    const two = lru.decide(
      fixtureSnapshot(
        [tight],
        [fixtureJob('j1', SMALL, 'standard'), fixtureJob('j2', BIG, 'standard', NOW + 1)],
      ),
    );
    assert.deepEqual(
      two.actions.map((a) => `${a.type} ${a.model}`),
      ['load small', 'dispatch small'],
    );
    assert.deepEqual(
      two.waiting.map((w) => w.jobId),
      ['j2'],
    );
  });
});
