import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createPolicy,
  type Action,
  type Decision,
  type FleetSnapshot,
  type SchedulingPolicy,
} from '#switchyard/policy';
import {
  close,
  costModel,
  loadMs,
  prefillMs,
  q,
  run,
  samplingMs,
  spec,
  stepMs,
  tiny,
} from './simulator-test-fixtures.js';

/** lru, plus: when an interactive job waits, preempt every batch job once (by `path`). */
class PreemptForInteractive implements SchedulingPolicy {
  private readonly lru = createPolicy('lru');
  private readonly sent = new Set<string>();
  constructor(private readonly path: 'keep-kv' | 'recompute') {}
  decide(s: FleetSnapshot): Decision {
    const decision = this.lru.decide(s);
    if (!s.backlog.some((j) => j.priority === 'interactive')) return decision;
    const preempts: Action[] = [];
    for (const w of s.workers) {
      for (const r of w.running) {
        if (r.priority !== 'batch' || this.sent.has(r.jobId)) continue;
        this.sent.add(r.jobId);
        preempts.push({
          type: 'preempt',
          workerId: w.id,
          jobId: r.jobId,
          model: r.model,
          path: this.path,
          reason: 'test',
        });
      }
    }
    return { actions: [...preempts, ...decision.actions], waiting: decision.waiting };
  }
}

describe('Simulator: hand-computed timings', () => {
  test('one job: cold load, prefill, then one decode step per token', () => {
    const r = run(tiny([['interactive', 0, 100, 10]]));
    const c = r.metrics.classes.interactive;
    close(c.ttftP50Ms, loadMs + prefillMs(100) + stepMs(100), 'time to first token');
    close(c.completionP50Ms, loadMs + prefillMs(100) + 10 * stepMs(100), 'completion');
    assert.equal(r.metrics.loads.count, 1);
    assert.equal(r.metrics.loads.bytesRead, spec.fileBytes);
    assert.equal(c.slaMet, 1);
    close(r.metrics.makespanMs, loadMs + prefillMs(100) + 10 * stepMs(100), 'makespan');
  });

  test('two jobs on two slots share the device: prefills at half speed, then one batched decode', () => {
    const scenario = tiny(
      [
        ['standard', 0, 100, 10],
        ['standard', 0, 100, 10],
      ],
      [{ device: 'h100-sxm', slots: 2, maxJobs: 2 }],
    );
    const r = run(scenario);
    const prefillEnd = loadMs + 2 * prefillMs(100);
    const step = stepMs(200) + samplingMs;
    const c = r.metrics.classes.standard;
    close(c.ttftP50Ms, prefillEnd + step, 'first token');
    close(c.completionP99Ms, prefillEnd + 10 * step, 'completion');
    assert.equal(c.completed, 2);
  });

  test('keep-kv preemption: save, the interactive job runs, restore, the rest of the batch job', () => {
    const T = 2000;
    const r = run(
      tiny([
        ['batch', 0, 200, 1000],
        ['interactive', T, 50, 20],
      ]),
      new PreemptForInteractive('keep-kv'),
      'preempting',
    );
    const decodeStart = loadMs + prefillMs(200);
    assert.ok(decodeStart < T, 'the batch job decodes when the interactive job comes');
    const generated = Math.floor((T - decodeStart) / stepMs(200));
    const save =
      (costModel.predictPreemptionCosts(q, { promptTokens: 200, generatedTokens: generated })[
        'save-restore-kv'
      ].seconds *
        1000) /
      2;
    const interactiveEnd = T + save + prefillMs(50) + 20 * stepMs(50);
    const batchEnd = interactiveEnd + save + (1000 - generated) * stepMs(200 + generated);
    close(
      r.metrics.classes.interactive.ttftP50Ms,
      save + prefillMs(50) + stepMs(50),
      'interactive first token',
    );
    close(r.metrics.classes.batch.completionP50Ms, batchEnd, 'batch completion');
    close(
      r.metrics.classes.batch.ttftP50Ms,
      decodeStart + stepMs(200),
      'batch first token (before the preemption)',
    );
    assert.deepEqual(
      {
        count: r.metrics.preemptions.count,
        keepKv: r.metrics.preemptions.keepKv,
        recompute: r.metrics.preemptions.recompute,
      },
      { count: 1, keepKv: 1, recompute: 0 },
    );
    close(r.metrics.preemptions.totalCostMs, 2 * save, 'preemption cost');
  });

  for (const [label, path, kvResume] of [
    ['recompute preemption', 'recompute', true],
    ['keep-kv preemption on workers that keep no KV (kvResume false)', 'keep-kv', false],
  ] as const) {
    test(`${label}: the slot frees at once; the batch job re-prefills its prompt and tokens`, () => {
      const T = 2000;
      const r = run(
        tiny(
          [
            ['batch', 0, 200, 1000],
            ['interactive', T, 50, 20],
          ],
          [],
          { scheduler: { minRoundInterval: 0, stalledReturn: '10s', kvResume } },
        ),
        new PreemptForInteractive(path),
        'preempting',
      );
      const generated = Math.floor((T - loadMs - prefillMs(200)) / stepMs(200));
      const interactiveEnd = T + prefillMs(50) + 20 * stepMs(50);
      const recompute = prefillMs(200 + generated);
      close(
        r.metrics.classes.interactive.completionP50Ms,
        interactiveEnd - T,
        'interactive completion',
      );
      close(
        r.metrics.classes.batch.completionP50Ms,
        interactiveEnd + recompute + (1000 - generated) * stepMs(200 + generated),
        'batch completion',
      );
      assert.equal(r.metrics.preemptions.recompute, 1);
      close(r.metrics.preemptions.totalCostMs, recompute, 'preemption cost');
    });
  }

  test('a dead worker loses its job; the stalled check returns it and another worker resumes from the checkpoint', () => {
    const T = 2000;
    const r = run(
      tiny([['batch', 0, 200, 1000]], [{ device: 'h100-sxm', count: 2, slots: 1, maxJobs: 1 }], {
        failures: [{ worker: 'h100-sxm-1', at: T }],
      }),
    );
    const generated = Math.floor((T - loadMs - prefillMs(200)) / stepMs(200));
    const checkpoint = Math.floor(generated / 16) * 16;
    const resumed = T + 10_000 + loadMs;
    close(
      r.metrics.classes.batch.completionP50Ms,
      resumed + prefillMs(200 + checkpoint) + (1000 - checkpoint) * stepMs(200 + checkpoint),
      'completion after the failure',
    );
    assert.equal(r.metrics.scheduler.lostJobs, 1);
    assert.equal(r.metrics.jobs.completed, 1);
    assert.equal(r.workers[0].id, 'h100-sxm-1');
  });
});
