import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scaleLoad } from './load-scale.js';
import { parseScenario } from './scenario-parser.js';
import { generateWorkload } from './workload-generator.js';

const scenario = parseScenario({
  name: 'mix',
  seed: 3,
  duration: '10m',
  models: [{ name: 'm', shape: 'llama-3.2-1b', quantization: 'Q8_0' }],
  fleet: [{ device: 'h100-sxm', count: 2 }],
  workload: [
    { name: 'chat', class: 'interactive', arrival: { type: 'poisson', ratePerSecond: 2 } },
    {
      name: 'bursts',
      class: 'standard',
      arrival: {
        type: 'bursty',
        ratePerSecond: 0.5,
        burstRatePerSecond: 6,
        burst: '20s',
        gap: '3m',
      },
      count: 101,
    },
    {
      name: 'day',
      class: 'standard',
      arrival: { type: 'diurnal', ratePerSecond: 1, amplitude: 0.5, period: '10m' },
    },
    { name: 'flood', class: 'batch', arrival: { type: 'batch', at: '1m', count: 300 } },
  ],
});

describe('scaleLoad', () => {
  it('multiplies every rate, count and batch size, and leaves the rest', () => {
    const scaled = scaleLoad(scenario, 1.5);
    assert.equal(scaled.name, 'mix ×1.5');
    assert.deepEqual(
      scaled.workload.map((s) => s.arrival),
      [
        { type: 'poisson', ratePerSecond: 3 },
        { ...scenario.workload[1].arrival, ratePerSecond: 0.75, burstRatePerSecond: 9 },
        { ...scenario.workload[2].arrival, ratePerSecond: 1.5 },
        { ...scenario.workload[3].arrival, count: 450 },
      ],
    );
    assert.equal(scaled.workload[1].count, 152);
    assert.deepEqual(scaled.fleet, scenario.fleet);
    assert.deepEqual(scaled.settings, scenario.settings);
    assert.equal(scaled.durationMs, scenario.durationMs);
  });

  it('leaves the scenario as it is at 1, and the original untouched at any factor', () => {
    assert.equal(scaleLoad(scenario, 1), scenario);
    const before = structuredClone(scenario.workload);
    scaleLoad(scenario, 2);
    assert.deepEqual(scenario.workload, before);
  });

  it('draws about factor times the jobs', () => {
    const jobs = (s: typeof scenario) => generateWorkload(s, s.seed).jobs.length;
    const base = jobs(scenario);
    const doubled = jobs(scaleLoad(scenario, 2));
    // Poisson draws: within 10 % of twice as many over 10 minutes (2,196 jobs, then 4,324).
    assert.ok(Math.abs(doubled / base - 2) < 0.2, `${doubled} jobs against ${base}`);
  });

  it('refuses a factor that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Infinity]) {
      assert.throws(() => scaleLoad(scenario, bad), /load: must be a number above 0/);
    }
  });
});
