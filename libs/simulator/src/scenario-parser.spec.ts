import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseScenario, scenarioReferences } from './scenario-parser.js';
import { ScenarioError } from './scenario-error.js';

const SCENARIOS = fileURLToPath(new URL('../../../../scenarios/', import.meta.url));

const minimal = () => ({
  name: 'm',
  duration: '10m',
  models: [{ name: 'a', shape: 'synth-5m', quantization: 'Q8_0' }],
  fleet: [{ device: 'h100-sxm', count: 2, memoryBudget: '50%' }],
  workload: [{ class: 'interactive', arrival: { type: 'poisson', ratePerSecond: 1 } }],
});

describe('parseScenario', () => {
  test('fills in defaults: budgets, slots, SLAs, scheduler timings', () => {
    const s = parseScenario(minimal());
    assert.equal(s.durationMs, 600_000);
    assert.equal(s.drainMs, 600_000);
    assert.equal(s.fleet[0].memoryBudgetBytes, 40 * 1024 ** 3);
    assert.equal(s.fleet[0].slotsPerModel, 2);
    assert.deepEqual(s.fleet[0].models, ['a']);
    assert.equal(s.settings.sla.interactive.timeToFirstTokenMs, 2000);
    assert.equal(s.scheduler.window, 128);
  });

  test('errors name the field', () => {
    const cases: [(raw: ReturnType<typeof minimal>) => void, RegExp][] = [
      [
        (r) => ((r.fleet[0] as Record<string, unknown>).device = 'h10'),
        /scenario\.fleet\[0\]\.device: unknown device "h10"/,
      ],
      [
        (r) => ((r.workload[0].arrival as Record<string, unknown>).rate = 3),
        /scenario\.workload\[0\]\.arrival: unknown field\(s\) "rate"/,
      ],
      [
        (r) => ((r.models[0] as Record<string, unknown>).shape = 'llama-9b'),
        /scenario\.models\[0\]\.shape: unknown shape/,
      ],
      [
        (r) => ((r as Record<string, unknown>).duration = 'soon'),
        /scenario\.duration: not a duration/,
      ],
      [
        (r) => ((r.workload[0] as Record<string, unknown>).models = ['z']),
        /scenario\.workload\[0\]\.models\[0\]: unknown model "z"/,
      ],
      [
        (r) => ((r as Record<string, unknown>).failures = [{ worker: 'gpu-9', at: '1m' }]),
        /no worker "gpu-9"/,
      ],
    ];
    for (const [mutate, message] of cases) {
      const raw = minimal();
      mutate(raw);
      assert.throws(
        () => parseScenario(raw),
        (e: Error) => e instanceof ScenarioError && message.test(e.message),
      );
    }
  });

  test('every scenario shipped in scenarios/ is valid', () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'));
    for (const required of ['hetero-8', 'batch-flood', 'bursty-interactive', 'scale-256']) {
      assert.ok(files.includes(`${required}.json`), `${required}.json is missing`);
    }
    for (const file of files) {
      const raw: unknown = JSON.parse(readFileSync(SCENARIOS + file, 'utf8'));
      const traces = new Map(
        scenarioReferences(raw).traces.map((p) => [
          p,
          [{ atMs: 0, promptTokens: 10, outputTokens: 5 }],
        ]),
      );
      const s = parseScenario(raw, { traces });
      assert.equal(`${s.name}.json`, file);
    }
    const hetero = parseScenario(JSON.parse(readFileSync(SCENARIOS + 'hetero-8.json', 'utf8')));
    assert.equal(
      hetero.fleet.reduce((n, g) => n + g.count, 0),
      8,
    );
    assert.equal(new Set(hetero.fleet.map((g) => g.device)).size, 4);
    assert.equal(hetero.models.length, 12);
    const scale = parseScenario(JSON.parse(readFileSync(SCENARIOS + 'scale-256.json', 'utf8')));
    assert.equal(
      scale.fleet.reduce((n, g) => n + g.count, 0),
      256,
    );
  });
});
