import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Action, Decision } from './action.js';
import {
  BIG,
  copy,
  GB,
  gpuBytes,
  gpuWorker,
  job,
  MODELS,
  NOW,
  running,
  SMALL,
  snapshot,
  summary,
} from './policy-test-fixtures.js';
import { SensitivityPolicy } from './sensitivity-policy.js';
import type { FleetSnapshot, PolicyJob, PolicySettings, PolicyWorker } from './snapshot.js';

/**
 * A toy fleet that applies a decision's actions to its own state, as the scheduler and the
 * workers would: loads, re-offloads, unloads, dispatches, preemptions (the job returns to the
 * window with its preemption count).
 */
class ToyFleet {
  now = NOW;
  backlog: PolicyJob[] = [];

  constructor(
    readonly workers: PolicyWorker[],
    private readonly settings: Partial<PolicySettings> = {},
  ) {}

  snapshot(): FleetSnapshot {
    return { ...snapshot(this.workers, this.backlog, this.settings), now: this.now };
  }

  apply(decision: Decision): void {
    for (const action of decision.actions) this.applyOne(action);
  }

  /** Jobs for which `done` is true leave their slots. */
  finish(done: (jobId: string) => boolean): void {
    for (const worker of this.workers) {
      for (const run of worker.running.filter((r) => done(r.jobId))) {
        worker.running = worker.running.filter((r) => r !== run);
        const loaded = worker.loaded.find((m) => m.model === run.model)!;
        loaded.busySlots -= 1;
      }
    }
  }

  levels(worker: string): string {
    const w = this.worker(worker);
    return w.loaded.map((m) => `${m.model}@${m.gpuLayers}`).join(' ');
  }

  private worker(id: string): PolicyWorker {
    return this.workers.find((w) => w.id === id)!;
  }

  private applyOne(action: Action): void {
    const worker = this.worker(action.workerId);
    switch (action.type) {
      case 'load':
        worker.loaded.push(copy(MODELS[action.model], action.gpuLayers, { loadedAt: this.now }));
        return;
      case 'reoffload': {
        const loaded = worker.loaded.find((m) => m.model === action.model)!;
        loaded.gpuLayers = action.gpuLayers;
        loaded.memoryBytes = gpuBytes(MODELS[action.model], action.gpuLayers);
        return;
      }
      case 'unload':
        worker.loaded = worker.loaded.filter((m) => m.model !== action.model);
        return;
      case 'dispatch': {
        const waiting = this.backlog.find((j) => j.id === action.jobId)!;
        this.backlog = this.backlog.filter((j) => j !== waiting);
        worker.loaded.find((m) => m.model === action.model)!.busySlots += 1;
        worker.running.push(
          running(waiting.id, MODELS[waiting.model], waiting.priority, {
            startedAt: this.now,
            generatedTokens: waiting.checkpointTokens ?? 0,
            maxTokens: waiting.maxTokens,
            preemptions: waiting.preemptions ?? 0,
          }),
        );
        return;
      }
      case 'preempt': {
        const run = worker.running.find((r) => r.jobId === action.jobId)!;
        this.finish((id) => id === run.jobId);
        this.backlog.push(
          job(run.jobId, MODELS[run.model], run.priority, NOW - 1, {
            maxTokens: run.maxTokens,
            checkpointTokens: run.generatedTokens,
            preemptions: (run.preemptions ?? 0) + 1,
          }),
        );
      }
    }
  }
}

describe('SensitivityPolicy over several rounds', () => {
  test('offload levels settle and do not oscillate while demand wobbles', () => {
    const fleet = new ToyFleet([
      gpuWorker('g1', 'l4', {
        memoryBudgetBytes: 10 * GB,
        loaded: [copy(BIG, 33), copy(SMALL, 4)],
      }),
    ]);
    const policy = new SensitivityPolicy();
    const history: string[] = [];
    const reoffloads: string[] = [];
    for (let round = 0; round < 10; round++) {
      // Demand for each model swings by a third from one round to the next.
      const small = 3 + (round % 2);
      const big = 3 + ((round + 1) % 2);
      fleet.backlog = [
        ...Array.from({ length: small }, (_, i) => job(`s${round}.${i}`, SMALL, 'standard')),
        ...Array.from({ length: big }, (_, i) => job(`b${round}.${i}`, BIG, 'batch')),
      ];
      const decision = policy.decide(fleet.snapshot());
      reoffloads.push(...summary(decision.actions).filter((a) => a.startsWith('reoffload')));
      fleet.apply(decision);
      history.push(fleet.levels('g1'));
      fleet.finish(() => true);
      fleet.now += 30_000;
    }
    assert.deepEqual(reoffloads, ['reoffload big@32→g1', 'reoffload small@17→g1']);
    assert.deepEqual(new Set(history), new Set(['big@32 small@17']));
  });

  test('a batch job is preempted at most maxPreemptionsPerJob times, then runs to its end', () => {
    const fleet = new ToyFleet(
      [
        gpuWorker('g1', 'h100-sxm', {
          maxConcurrentJobs: 1,
          loaded: [copy(SMALL, 17, { busySlots: 1 })],
          running: [running('b1', SMALL, 'batch', { maxTokens: 20_000, generatedTokens: 0 })],
        }),
      ],
      { batchFloorShare: 0 },
    );
    const policy = new SensitivityPolicy();
    const log: string[] = [];
    for (let round = 0; round < 12; round++) {
      // An interactive job arrives every other round; it is done by the next one.
      if (round % 2 === 0) {
        fleet.backlog.push(job(`i${round}`, SMALL, 'interactive', fleet.now));
      }
      const decision = policy.decide(fleet.snapshot());
      log.push(summary(decision.actions).join(', ') || `wait ${decision.waiting[0]?.jobId}`);
      fleet.apply(decision);
      fleet.finish((id) => id.startsWith('i'));
      fleet.now += 1_000;
    }
    // A keep-kv pause frees the slot once the state is saved: the interactive job takes it in the
    // next round, ahead of the batch job (its class), which resumes after it.
    assert.deepEqual(log, [
      'preempt b1 keep-kv←g1',
      'dispatch i0→g1',
      'dispatch i2→g1',
      'dispatch b1→g1',
      'preempt b1 keep-kv←g1',
      'dispatch i4→g1',
      'dispatch i6→g1',
      'dispatch b1→g1',
      'wait i8',
      'wait i8',
      'wait i8',
      'wait i8',
    ]);
    assert.deepEqual(
      fleet.workers[0].running.map((r) => [r.jobId, r.preemptions]),
      [['b1', 2]],
    );
  });
});
