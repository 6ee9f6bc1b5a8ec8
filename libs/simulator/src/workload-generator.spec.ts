import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScenario } from './scenario-parser.js';
import { generateWorkload } from './workload-generator.js';

function scenario(workload: unknown[], extra: Record<string, unknown> = {}) {
  return parseScenario({
    name: 'w',
    duration: '1h',
    contextSize: 2048,
    models: [
      { name: 'a', shape: 'synth-5m', quantization: 'Q8_0' },
      { name: 'b', shape: 'synth-50m', quantization: 'Q8_0' },
      { name: 'c', shape: 'synth-300m', quantization: 'Q8_0' },
    ],
    fleet: [{ device: 'cpu' }],
    workload,
    ...extra,
  });
}

describe('generateWorkload', () => {
  test('same seed, same jobs; another seed, other jobs', () => {
    const s = scenario([{ class: 'standard', arrival: { type: 'poisson', ratePerSecond: 2 } }]);
    assert.deepEqual(generateWorkload(s, 1), generateWorkload(s, 1));
    assert.notDeepEqual(
      generateWorkload(s, 1).jobs.slice(0, 5),
      generateWorkload(s, 2).jobs.slice(0, 5),
    );
  });

  test('a Poisson stream arrives at its rate; ids follow arrival order', () => {
    const { jobs } = generateWorkload(
      scenario([{ class: 'batch', arrival: { type: 'poisson', ratePerSecond: 5 } }]),
    );
    assert.ok(Math.abs(jobs.length - 18_000) < 18_000 * 0.03, `got ${jobs.length}`);
    jobs.forEach((j, i) => {
      assert.equal(j.id, String(i + 1));
      if (i > 0) assert.ok(j.submittedAt >= jobs[i - 1].submittedAt);
      assert.ok(j.submittedAt < 3_600_000);
    });
  });

  test('a batch arrives at once, spread evenly; Zipf favours the first model', () => {
    const { jobs } = generateWorkload(
      scenario([
        {
          class: 'batch',
          arrival: { type: 'batch', at: '10s', count: 3000, spread: '3s' },
          models: { zipf: 1 },
        },
      ]),
    );
    assert.equal(jobs.length, 3000);
    assert.equal(jobs[0].submittedAt, 10_000);
    assert.equal(jobs[2999].submittedAt, 10_000 + 2999);
    const share = (m: string) => jobs.filter((j) => j.model === m).length / jobs.length;
    // Weights 1, 1/2, 1/3: shares 6/11, 3/11, 2/11.
    assert.ok(Math.abs(share('a') - 6 / 11) < 0.03);
    assert.ok(Math.abs(share('c') - 2 / 11) < 0.03);
  });

  test('bursty and diurnal streams keep to their window and count', () => {
    const { jobs } = generateWorkload(
      scenario([
        {
          class: 'interactive',
          arrival: {
            type: 'bursty',
            ratePerSecond: 0.1,
            burstRatePerSecond: 20,
            burst: '10s',
            gap: '1m',
          },
          start: '5m',
          end: '20m',
        },
        {
          class: 'standard',
          arrival: {
            type: 'diurnal',
            ratePerSecond: 1,
            amplitude: 0.9,
            period: '1h',
            peakAt: '30m',
          },
        },
        { class: 'batch', arrival: { type: 'poisson', ratePerSecond: 1 }, count: 500 },
      ]),
    );
    const bursty = jobs.filter((j) => j.stream === 0);
    const diurnal = jobs.filter((j) => j.stream === 1);
    assert.ok(
      bursty.length > 0 &&
        bursty.every((j) => j.submittedAt >= 300_000 && j.submittedAt < 1_200_000),
    );
    assert.equal(jobs.filter((j) => j.stream === 2).length, 500);
    assert.ok(Math.abs(diurnal.length - 3600) < 3600 * 0.05, `got ${diurnal.length}`);
    // The rate at the peak is 19 times the trough's.
    const near = (t: number) => diurnal.filter((j) => Math.abs(j.submittedAt - t) < 300_000).length;
    assert.ok(
      near(1_800_000) > 5 * Math.max(1, near(300_000)),
      `${near(1_800_000)} vs ${near(300_000)}`,
    );
  });

  test('a trace replays its rows; prompts too long for the context are cut and counted', () => {
    const rows = [
      { atMs: 0, promptTokens: 100, outputTokens: 5 },
      { atMs: 2000, promptTokens: 5000, outputTokens: 48 },
    ];
    const s = parseScenario(
      {
        name: 't',
        duration: '1m',
        contextSize: 2048,
        models: [{ name: 'a', shape: 'synth-5m', quantization: 'Q8_0' }],
        fleet: [{ device: 'cpu' }],
        workload: [{ class: 'interactive', arrival: { type: 'trace', path: 'x.csv', speedup: 2 } }],
      },
      { traces: new Map([['x.csv', rows]]) },
    );
    const { jobs, clampedPrompts } = generateWorkload(s);
    assert.deepEqual(
      jobs.map((j) => [j.submittedAt, j.promptTokens, j.outputTokens, j.maxTokens]),
      [
        [0, 100, 5, 5],
        [1000, 2000, 48, 48],
      ],
    );
    assert.equal(clampedPrompts, 1);
  });
});
