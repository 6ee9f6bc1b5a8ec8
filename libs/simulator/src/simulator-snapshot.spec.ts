import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPolicy } from '#switchyard/policy';
import { parseScenario } from './scenario-parser.js';
import { run, tiny } from './simulator-test-fixtures.js';
import { SimJob } from './sim-job.js';

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
