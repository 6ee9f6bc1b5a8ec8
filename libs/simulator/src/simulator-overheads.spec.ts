import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScenario } from './scenario-parser.js';
import { ScenarioError } from './scenario-error.js';
import { close, loadMs, prefillMs, run, stepMs, tiny } from './simulator-test-fixtures.js';

/** The tiny scenario with the live fleet's per-job fixed costs (ms). */
function withCosts(
  jobs: [string, number, number, number][],
  costs: { dispatchLatency?: number; jobStartup?: number; jobWriteBack?: number },
) {
  return tiny(jobs, [], { scheduler: { minRoundInterval: 0, stalledReturn: '10s', ...costs } });
}

describe('Simulator: per-job fixed costs', () => {
  test('dispatch latency: the round at 0 sends load and run; both reach the worker 3 ms later', () => {
    const r = run(withCosts([['interactive', 0, 100, 10]], { dispatchLatency: 3 }));
    const c = r.metrics.classes.interactive;
    close(c.ttftP50Ms, 3 + loadMs + prefillMs(100) + stepMs(100), 'time to first token');
    close(c.completionP50Ms, 3 + loadMs + prefillMs(100) + 10 * stepMs(100), 'completion');
  });

  test('job start-up: the job holds its slot 10 ms before its prefill starts', () => {
    const r = run(withCosts([['interactive', 0, 100, 10]], { jobStartup: 10 }));
    const c = r.metrics.classes.interactive;
    close(c.ttftP50Ms, loadMs + 10 + prefillMs(100) + stepMs(100), 'time to first token');
    close(c.completionP50Ms, loadMs + 10 + prefillMs(100) + 10 * stepMs(100), 'completion');
  });

  test('write-back: a job completes at its last token; its slot frees to the scheduler 5 ms later', () => {
    // One slot, two jobs at 0: the second is dispatched when the first's slot looks free.
    const r = run(
      withCosts(
        [
          ['standard', 0, 100, 10],
          ['standard', 0, 100, 10],
        ],
        { jobWriteBack: 5 },
      ),
    );
    const first = loadMs + prefillMs(100) + 10 * stepMs(100);
    const [a, b] = r.latencies.standard.completionMs;
    close(a, first, 'first completion');
    close(b, first + 5 + prefillMs(100) + 10 * stepMs(100), 'second completion');
    close(r.metrics.makespanMs, b, 'makespan');
  });

  test('all three: dispatch 3 ms, start-up 10 ms, write-back 5 ms between two jobs on one slot', () => {
    const r = run(
      withCosts(
        [
          ['standard', 0, 100, 10],
          ['standard', 0, 100, 10],
        ],
        { dispatchLatency: 3, jobStartup: 10, jobWriteBack: 5 },
      ),
    );
    const job = 10 + prefillMs(100) + 10 * stepMs(100);
    const first = 3 + loadMs + job;
    const [a, b] = r.latencies.standard.completionMs;
    close(a, first, 'first completion');
    // Written back at first + 5, dispatched in that round, at the worker 3 ms later.
    close(b, first + 5 + 3 + job, 'second completion');
    const ttft = r.latencies.standard.ttftMs;
    close(ttft[0], 3 + loadMs + 10 + prefillMs(100) + stepMs(100), 'first time to first token');
  });

  test('without them (the defaults) the timings are the cost model alone', () => {
    const r = run(tiny([['interactive', 0, 100, 10]]));
    close(
      r.metrics.classes.interactive.completionP50Ms,
      loadMs + prefillMs(100) + 10 * stepMs(100),
      'completion',
    );
  });
});

describe('scenario: per-job fixed costs', () => {
  const base = {
    name: 'x',
    duration: '1s',
    models: [{ name: 'm', shape: 'llama-3.2-1b', quantization: 'Q8_0' }],
    fleet: [{ device: 'h100-sxm' }],
    workload: [{ class: 'interactive', arrival: { type: 'poisson', ratePerSecond: 1 } }],
  };

  test('durations default to 0 and accept ms or strings', () => {
    const d = parseScenario(base).scheduler;
    assert.deepEqual([d.dispatchLatencyMs, d.jobStartupMs, d.jobWriteBackMs], [0, 0, 0]);
    const s = parseScenario({
      ...base,
      scheduler: { dispatchLatency: 4, jobStartup: '12ms', jobWriteBack: 2.5 },
    }).scheduler;
    assert.deepEqual([s.dispatchLatencyMs, s.jobStartupMs, s.jobWriteBackMs], [4, 12, 2.5]);
  });

  test('a negative cost is refused, naming its field', () => {
    assert.throws(
      () => parseScenario({ ...base, scheduler: { jobStartup: -1 } }),
      (e: unknown) =>
        e instanceof ScenarioError &&
        /scenario\.scheduler\.jobStartup: not a duration: -1/.test(e.message),
    );
  });
});
