import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CostModel, DEFAULT_HOST_SPEC, type CostQuery } from '#switchyard/cost-model';
import { createPolicy } from '#switchyard/policy';
import { parseScenario } from './scenario-parser.js';
import type { Scenario } from './scenario.js';
import { ScenarioError } from './scenario-error.js';
import { Simulator } from './simulator.js';

/** CPU workers (1 thread) serving one 1 B model; jobs listed as [at ms, prompt, output]. */
function cpuFleet(
  jobs: [number, number, number][],
  fleet: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Scenario {
  return parseScenario({
    name: 'cpu',
    duration: '1s',
    drain: '1h',
    contextSize: 2048,
    scheduler: { minRoundInterval: 0 },
    models: [{ name: 'm', shape: 'llama-3.2-1b', quantization: 'Q8_0' }],
    fleet: [{ device: 'cpu', threads: 1, ...fleet }],
    workload: jobs.map(([at, prompt, output]) => ({
      class: 'batch',
      arrival: { type: 'batch', at, count: 1 },
      end: '1h',
      promptTokens: prompt,
      outputTokens: output,
    })),
    ...extra,
  });
}

const costModel = new CostModel();
const spec = cpuFleet([[0, 1, 1]], {}).models[0].spec;
const q: CostQuery = { model: spec, device: 'cpu', gpuLayers: 0, contextSize: 2048, threads: 1 };
const loadMs = costModel.predictLoadMs(q, 'cold');
const prefillMs = (tokens: number) =>
  (tokens * 1000) / costModel.predictPrefillTokensPerSecond(q, tokens);
const stepMs = (kvTokens: number) => 1000 / costModel.predictDecodeTokensPerSecond(q, kvTokens);

function run(scenario: Scenario) {
  return new Simulator(scenario, createPolicy('lru'), 'lru', { checkInvariants: true }).run();
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ms, expected ${expected} ms`);
}

describe('Simulator on CPU workers: batched decode', () => {
  test('two sequences of one copy: each extra one costs the cost model’s CPU batch step', () => {
    const r = run(
      cpuFleet(
        [
          [0, 100, 10],
          [0, 100, 10],
        ],
        { slots: 2, maxJobs: 2 },
      ),
    );
    const extra = costModel.predictDecodeBatchExtraMs(q);
    // One thread streams the weights again for the second sequence: far more than its sampling.
    assert.ok(extra > 0.5 * stepMs(0), `extra ${extra} ms of a ${stepMs(0)} ms step`);
    const step = stepMs(200) + extra;
    const c = r.metrics.classes.batch;
    close(c.completionP99Ms, loadMs + 2 * prefillMs(100) + 10 * step, 'completion');
    assert.equal(c.completed, 2);
  });
});

describe('Simulator on CPU workers sharing a host', () => {
  const twoWorkers = (hosts: Record<string, unknown>, jobs: [number, number, number][]) =>
    cpuFleet(jobs, { count: 2, slots: 1, maxJobs: 1, host: 'box' }, { hosts });
  // The default host: 12 GB/s per thread, 20 GB/s for all threads together.
  const perThread = DEFAULT_HOST_SPEC.memoryBandwidthPerThreadBytesPerSecond;
  const cap = DEFAULT_HOST_SPEC.memoryBandwidthBytesPerSecond;

  test('two workers computing at once on 2 cores: each at (cap / 2) / per-thread rate', () => {
    const jobs: [number, number, number][] = [
      [0, 100, 10],
      [0, 100, 10],
    ];
    const r = run(twoWorkers({ box: { cores: 2 } }, jobs));
    const speed = cap / 2 / perThread;
    close(speed, 20 / 24, 'speed');
    assert.equal(r.metrics.loads.count, 2);
    close(
      r.metrics.classes.batch.completionP99Ms,
      loadMs + (prefillMs(100) + 10 * stepMs(100)) / speed,
      'completion',
    );
    // Without the host, each worker is a machine of its own.
    const alone = run(cpuFleet(jobs, { count: 2, slots: 1, maxJobs: 1 }));
    close(
      alone.metrics.classes.batch.completionP99Ms,
      loadMs + prefillMs(100) + 10 * stepMs(100),
      'completion on two machines',
    );
  });

  test('more threads than cores: each gets its share of one core; full speed once alone', () => {
    const r = run(
      twoWorkers({ box: { cores: 1 } }, [
        [0, 100, 10],
        [0, 100, 30],
      ]),
    );
    // Both at half speed until the short job ends with 10 tokens; then the long one alone.
    const shortEnd = loadMs + 2 * (prefillMs(100) + 10 * stepMs(100));
    const longEnd = shortEnd + 20 * stepMs(110);
    const c = r.metrics.classes.batch;
    close(c.completionP50Ms, shortEnd, 'short job');
    close(c.completionP99Ms, longEnd, 'long job');
  });

  test('other processes’ threads count: 2 cores, 2 workers and 1 busy thread beside them', () => {
    const r = run(
      twoWorkers({ box: { cores: 2, otherThreads: 1 } }, [
        [0, 100, 10],
        [0, 100, 10],
      ]),
    );
    const speed = cap / 3 / perThread;
    close(
      r.metrics.classes.batch.completionP99Ms,
      loadMs + (prefillMs(100) + 10 * stepMs(100)) / speed,
      'completion',
    );
  });

  test('hosts are declared, and only CPU workers share one', () => {
    assert.throws(
      () => cpuFleet([[0, 1, 1]], { host: 'nowhere' }),
      (e: unknown) =>
        e instanceof ScenarioError && /fleet\[0\]\.host.*unknown host/.test(e.message),
    );
    assert.throws(
      () =>
        cpuFleet(
          [[0, 1, 1]],
          { device: 'h100-sxm', host: 'box' },
          { hosts: { box: { cores: 2 } } },
        ),
      /only CPU workers/,
    );
    assert.throws(() => cpuFleet([[0, 1, 1]], {}, { hosts: { box: { cores: 0 } } }), /cores/);
  });
});
