import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createPolicy,
  POLICY_NAMES,
  type Action,
  type Decision,
  type FleetSnapshot,
  type SchedulingPolicy,
} from '#switchyard/policy';
import { Prng } from './prng.js';
import { renderHtmlReport } from './report/html-report.js';
import { parseScenario } from './scenario-parser.js';
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
import { SimJob } from './sim-job.js';
import { Simulator } from './simulator.js';
import { generateWorkload } from './workload-generator.js';

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

describe('Simulator: what the policy sees', () => {
  test("a stream's deadline replaces its class's completion SLA", () => {
    const scenario = (deadline?: string) =>
      parseScenario({
        name: 'deadline',
        duration: '1s',
        scheduler: { minRoundInterval: 0 },
        models: [{ name: 'm', shape: 'llama-3.2-1b', quantization: 'Q8_0' }],
        fleet: [{ device: 'h100-sxm' }],
        workload: [
          {
            class: 'standard',
            arrival: { type: 'batch', count: 1 },
            promptTokens: 100,
            outputTokens: 10,
            ...(deadline ? { deadline } : {}),
          },
        ],
      });
    // The job takes a cold load and a little more: about 1.7 s.
    assert.equal(run(scenario()).metrics.classes.standard.slaMet, 1);
    assert.equal(run(scenario('1s')).metrics.classes.standard.slaMet, 0);
    assert.equal(run(scenario('5s')).metrics.classes.standard.slaMet, 1);
    let seen: unknown;
    const lru = createPolicy('lru');
    run(scenario('5s'), {
      decide: (s) => {
        seen ??= s.backlog[0]?.deadlineAt;
        return lru.decide(s);
      },
    });
    assert.equal(seen, 5000);
  });

  test('the policy is asked for an estimated start for every job of the window, as live', () => {
    const scenario = parseScenario({
      name: 'window',
      duration: '1s',
      scheduler: { window: 37 },
      models: [{ name: 'm', shape: 'llama-3.2-1b', quantization: 'Q8_0' }],
      fleet: [{ device: 'h100-sxm' }],
      workload: [
        {
          class: 'batch',
          arrival: { type: 'batch', count: 1 },
          promptTokens: 10,
          outputTokens: 10,
        },
      ],
    });
    const estimates = new Set<number | undefined>();
    const lru = createPolicy('lru');
    run(scenario, {
      decide: (s) => {
        estimates.add(s.settings?.waitEstimates);
        return lru.decide(s);
      },
    });
    assert.deepEqual([...estimates], [37]);
  });

  test('a dead worker keeps its last heartbeat in the snapshot until the heartbeat expires', () => {
    const T = 2000;
    const scenario = tiny(
      [
        ['batch', 0, 200, 1000],
        ['interactive', T + 1000, 50, 5],
        ['interactive', T + 6000, 50, 5],
      ],
      [{ device: 'h100-sxm', count: 2, slots: 1, maxJobs: 1 }],
      { failures: [{ worker: 'h100-sxm-1', at: T }] },
    );
    const seen = new Map<number, string>();
    const lru = createPolicy('lru');
    run(scenario, {
      decide: (s) => {
        const w = s.workers.find((x) => x.id === 'h100-sxm-1');
        seen.set(
          s.now,
          w ? `${w.loaded.map((m) => m.model)} running ${w.running.map((r) => r.jobId)}` : 'gone',
        );
        return lru.decide(s);
      },
    });
    assert.equal(seen.get(T + 1000), 'm running 1');
    assert.equal(seen.get(T + 6000), 'gone');
  });

  test('running jobs show live progress, and preempting from the preempt until the KV is saved', () => {
    const job = new SimJob({
      id: '7',
      index: 6,
      stream: 0,
      priority: 'batch',
      model: 'm',
      submittedAt: 0,
      promptTokens: 10,
      outputTokens: 100,
      maxTokens: 100,
    });
    const clock = { now: 1000 };
    const view = job.runningView(clock);
    assert.deepEqual(
      { ...view },
      {
        jobId: '7',
        model: 'm',
        priority: 'batch',
        promptTokens: 10,
        maxTokens: 100,
        startedAt: undefined,
        generatedTokens: 0,
        preemptions: 0,
        preempting: false,
      },
    );
    job.preemptPending = true;
    assert.equal({ ...view }.preempting, true);
    job.preemptPending = false;
    job.phase = 'saving';
    job.generated = 42.7;
    assert.deepEqual([view.preempting, view.generatedTokens], [true, 42]);
  });
});

describe('Simulator: invariants', () => {
  /** A mid-size mixed scenario with a failure and a recovery. */
  const mixed = (duration = '2m') =>
    parseScenario({
      name: 'mixed',
      duration,
      drain: '30m',
      contextSize: 4096,
      host: { threads: 8, memoryBandwidthBytesPerSecond: 150e9 },
      scheduler: { window: 32 },
      models: [
        { name: 'small', shape: 'llama-3.2-1b', quantization: 'Q8_0' },
        { name: 'mid', shape: 'llama-3-8b', quantization: 'Q4_K_M' },
        { name: 'big', parameters: 3.4e10, quantization: 'Q4_K_M' },
        { name: 'huge', shape: 'llama-3-70b', quantization: 'Q4_K_M' },
      ],
      fleet: [
        { device: 'h100-sxm', count: 1, slots: 4, maxJobs: 6, threads: 8 },
        { device: 'l4', count: 2, slots: 2, maxJobs: 4, threads: 8 },
        { device: 'cpu', count: 1, memoryBudget: '16GiB', slots: 2, threads: 8, models: ['small'] },
      ],
      failures: [{ worker: 'l4-1', at: '60s', recoverAfter: '30s' }],
      workload: [
        {
          class: 'interactive',
          arrival: { type: 'poisson', ratePerSecond: 1 },
          promptTokens: { type: 'uniform', min: 20, max: 400 },
          outputTokens: { type: 'uniform', min: 10, max: 200 },
        },
        {
          class: 'standard',
          arrival: {
            type: 'bursty',
            ratePerSecond: 0.3,
            burstRatePerSecond: 4,
            burst: '10s',
            gap: '40s',
          },
        },
        {
          class: 'batch',
          arrival: { type: 'batch', at: '5s', count: 150, spread: '2s' },
          outputTokens: { type: 'lognormal', median: 200, sigma: 0.5, max: 800 },
        },
      ],
    });

  /** Random actions, valid or not, on top of lru's: refusals and failures must keep the books straight. */
  class ChaosPolicy implements SchedulingPolicy {
    private readonly prng = new Prng(99);
    private readonly lru = createPolicy('lru');
    decide(s: FleetSnapshot): Decision {
      const p = this.prng;
      const actions = [...this.lru.decide(s).actions];
      const pick = <T>(xs: readonly T[]): T | undefined =>
        xs.length === 0 ? undefined : xs[p.integer(0, xs.length - 1)];
      const models = Object.keys(s.models);
      for (let i = p.integer(0, 3); i > 0; i--) {
        const w = pick(s.workers);
        if (!w) break;
        const model = pick(models)!;
        const roll = p.next();
        const running = pick(w.running);
        const job = pick(s.backlog);
        if (roll < 0.25)
          actions.push({
            type: 'load',
            workerId: w.id,
            model,
            gpuLayers: p.integer(-1, 90),
            contextSize: s.contextSize,
            slots: p.integer(1, 3),
            reason: 'chaos',
          });
        else if (roll < 0.4)
          actions.push({
            type: 'unload',
            workerId: pick(w.loaded)?.model ? w.id : 'nobody',
            model: pick(w.loaded)?.model ?? model,
            reason: 'chaos',
          });
        else if (roll < 0.55)
          actions.push({
            type: 'reoffload',
            workerId: w.id,
            model: pick(w.loaded)?.model ?? model,
            gpuLayers: p.integer(0, 81),
            reason: 'chaos',
          });
        else if (roll < 0.8 && running)
          actions.push({
            type: 'preempt',
            workerId: w.id,
            jobId: running.jobId,
            model: running.model,
            path: p.next() < 0.5 ? 'keep-kv' : 'recompute',
            reason: 'chaos',
          });
        else if (job)
          actions.push({
            type: 'dispatch',
            workerId: w.id,
            jobId: job.id,
            model: job.model,
            reason: 'chaos',
          });
      }
      return { actions, waiting: [] };
    }
  }

  const policies: [string, () => SchedulingPolicy][] = [
    ...POLICY_NAMES.map((n) => [n, () => createPolicy(n)] as [string, () => SchedulingPolicy]),
    ['chaos', () => new ChaosPolicy()],
  ];
  for (const [name, make] of policies) {
    test(`${name}: every job ends exactly once, memory stays in budget, no job runs on a model not loaded`, () => {
      const scenario = mixed();
      const arrived = generateWorkload(scenario).jobs.length;
      // checkInvariants throws on: memory over budget or off the books, a job on a copy not
      // loaded (or loading), more jobs than slots, a job ending twice.
      const r = run(scenario, make(), name);
      const m = r.metrics;
      assert.equal(m.jobs.arrived, arrived);
      assert.equal(m.jobs.completed + m.jobs.failed + m.jobs.unfinished, arrived);
      const perClass = Object.values(m.classes).reduce(
        (n, c) => n + c.completed + c.failed + c.unfinished,
        0,
      );
      assert.equal(perClass, arrived);
      for (const series of r.memoryTimeline) {
        series.forEach(([, bytes], i) =>
          assert.ok(
            bytes <= r.workers[r.memoryTimeline.indexOf(series)].memoryBudgetBytes,
            `bucket ${i}`,
          ),
        );
      }
      if (name === 'chaos') {
        assert.ok(
          m.loads.refused > 0 && m.jobs.failed > 0 && m.preemptions.count > 0,
          'chaos reaches the refusal paths',
        );
      } else {
        assert.equal(m.jobs.failed, 0);
      }
    });
  }

  test('determinism: same seed, same figures, timelines and report; another seed, other figures', () => {
    for (const name of POLICY_NAMES) {
      const scenario = mixed('40s');
      const a = new Simulator(scenario, createPolicy(name), name).run();
      const b = new Simulator(scenario, createPolicy(name), name).run();
      assert.deepEqual(a.metrics, b.metrics, name);
      assert.deepEqual(a.latencies, b.latencies, name);
      assert.deepEqual(a.memoryTimeline, b.memoryTimeline, name);
      assert.deepEqual(a.queueTimeline, b.queueTimeline, name);
      assert.equal(renderHtmlReport(scenario, [a]), renderHtmlReport(scenario, [b]), name);
      const c = new Simulator(scenario, createPolicy(name), name, { seed: 12345 }).run();
      assert.notDeepEqual(a.metrics, c.metrics, name);
    }
  });
});
