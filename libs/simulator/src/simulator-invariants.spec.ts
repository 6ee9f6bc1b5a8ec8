import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createPolicy,
  POLICY_NAMES,
  type Decision,
  type FleetSnapshot,
  type SchedulingPolicy,
} from '#switchyard/policy';
import { Prng } from './prng.js';
import { renderHtmlReport } from './report/html-report.js';
import { parseScenario } from './scenario-parser.js';
import { run } from './simulator-test-fixtures.js';
import { Simulator } from './simulator.js';
import { generateWorkload } from './workload-generator.js';

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
