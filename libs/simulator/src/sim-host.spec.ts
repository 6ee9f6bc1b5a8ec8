import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CostModel, type CostQuery } from '#switchyard/cost-model';
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
  const same: [number, number, number][] = [
    [0, 100, 10],
    [0, 100, 10],
  ];
  const aloneMs = loadMs + prefillMs(100) + 10 * stepMs(100);

  test('no more threads than cores: each worker as fast as on a machine of its own', () => {
    const shared = run(twoWorkers({ box: { cores: 2 } }, same));
    const apart = run(cpuFleet(same, { count: 2, slots: 1, maxJobs: 1 }));
    assert.equal(shared.metrics.loads.count, 2);
    close(shared.metrics.classes.batch.completionP99Ms, aloneMs, 'completion on one host');
    close(apart.metrics.classes.batch.completionP99Ms, aloneMs, 'completion on two machines');
  });

  test('more threads than cores: each gets cores / threads; full speed once alone', () => {
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
    const r = run(twoWorkers({ box: { cores: 2, otherThreads: 1 } }, same));
    // 3 threads on 2 cores: each worker at 2/3 of its speed.
    close(
      r.metrics.classes.batch.completionP99Ms,
      loadMs + ((prefillMs(100) + 10 * stepMs(100)) * 3) / 2,
      'completion',
    );
    // One worker alone with the other thread: 2 threads on 2 cores, full speed.
    const one = run(twoWorkers({ box: { cores: 2, otherThreads: 1 } }, [[0, 100, 10]]));
    close(one.metrics.classes.batch.completionP99Ms, aloneMs, 'one worker');
  });

  test('threads running at once slow each other to parallelSpeed when every core is busy', () => {
    const r = run(twoWorkers({ box: { cores: 2, parallelSpeed: 0.8 } }, same));
    close(
      r.metrics.classes.batch.completionP99Ms,
      loadMs + (prefillMs(100) + 10 * stepMs(100)) / 0.8,
      'completion',
    );
    // 4 cores, 2 busy: a third of the way from 1 to 0.8.
    const wide = run(twoWorkers({ box: { cores: 4, parallelSpeed: 0.7 } }, same));
    close(
      wide.metrics.classes.batch.completionP99Ms,
      loadMs + (prefillMs(100) + 10 * stepMs(100)) / 0.9,
      'completion on 4 cores',
    );
    // 1 core, 2 busy threads plus 1 of the other processes': parallelSpeed does not apply.
    const one = run(twoWorkers({ box: { cores: 1, otherThreads: 1, parallelSpeed: 0.5 } }, same));
    close(
      one.metrics.classes.batch.completionP99Ms,
      loadMs + (prefillMs(100) + 10 * stepMs(100)) * 3,
      'completion on 1 core',
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

  test('a file one worker has read is in the page cache its host shares', () => {
    const warmLoadMs = costModel.predictLoadMs(q, 'warm');
    assert.ok(warmLoadMs < loadMs / 2, `warm ${warmLoadMs} ms, cold ${loadMs} ms`);
    // A long batch job loads the model on one worker; a standard job arriving once that load is
    // done finds that worker busy and loads on the other: from the page cache.
    const at = Math.ceil(loadMs) + 1_000;
    const scenario = (hosts: Record<string, unknown> | undefined) =>
      parseScenario({
        name: 'cache',
        duration: '1m',
        drain: '1h',
        contextSize: 2048,
        scheduler: { minRoundInterval: 0 },
        models: [{ name: 'm', shape: 'llama-3.2-1b', quantization: 'Q8_0' }],
        fleet: [
          { device: 'cpu', threads: 1, count: 2, slots: 1, maxJobs: 1, host: hosts && 'box' },
        ],
        ...(hosts ? { hosts } : {}),
        workload: [
          {
            class: 'batch',
            arrival: { type: 'batch', at: 0, count: 1 },
            promptTokens: 100,
            outputTokens: 400,
          },
          {
            class: 'standard',
            arrival: { type: 'batch', at, count: 1 },
            promptTokens: 100,
            outputTokens: 10,
          },
        ],
      });
    const second = (hosts?: Record<string, unknown>) =>
      run(scenario(hosts)).metrics.classes.standard.completionP50Ms;
    const rest = prefillMs(100) + 10 * stepMs(100);
    close(second({ box: { cores: 2 } }), warmLoadMs + rest, 'second load on the same host');
    close(second(), loadMs + rest, 'second load on a machine of its own');
    // A warm page cache at the start: the first load reads from it too.
    const first = run(
      cpuFleet(
        [[0, 100, 10]],
        { host: 'box' },
        { hosts: { box: { cores: 2, pageCache: 'warm' } } },
      ),
    );
    close(first.metrics.classes.batch.completionP50Ms, warmLoadMs + rest, 'first load, warm');
    assert.throws(
      () =>
        cpuFleet([[0, 1, 1]], { host: 'box' }, { hosts: { box: { cores: 2, pageCache: 'hot' } } }),
      (e: unknown) =>
        e instanceof ScenarioError && /hosts\.box\.pageCache.*"warm" or "cold"/.test(e.message),
    );
  });
});
