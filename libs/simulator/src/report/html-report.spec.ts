import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPolicy } from '#switchyard/policy';
import { parseScenario } from '../scenario-parser.js';
import { Simulator } from '../simulator.js';
import { renderHtmlReport } from './html-report.js';

/** Two GPUs, two models, a handful of jobs of every class: enough for every chart to hold lines. */
const scenario = parseScenario({
  name: 'report',
  description: 'a report <check> & escape',
  seed: 3,
  duration: '20s',
  drain: '1h',
  contextSize: 2048,
  models: [
    { name: 'small', shape: 'llama-3.2-1b', quantization: 'Q8_0' },
    { name: 'large', shape: 'llama-3-8b', quantization: 'Q4_K_M' },
  ],
  fleet: [{ device: 'l4', count: 2, slots: 2 }],
  workload: [
    {
      name: 'mix',
      classMix: { interactive: 0.4, standard: 0.3, batch: 0.3 },
      arrival: { type: 'poisson', ratePerSecond: 3 },
      models: ['small', 'large'],
      promptTokens: { type: 'uniform', min: 50, max: 400 },
      outputTokens: { type: 'uniform', min: 20, max: 200 },
    },
  ],
});
const results = ['lru', 'fifo'].map((name) =>
  new Simulator(scenario, createPolicy(name as 'lru' | 'fifo'), name).run(),
);
const html = renderHtmlReport(scenario, results, { command: 'switchyard simulate report' });

/** The charts of the report, by their accessible label, with their drawn lines. */
function charts(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const match of html.matchAll(/<svg[^>]*aria-label="([^"]*)"[^>]*>([\s\S]*?)<\/svg>/g)) {
    out.set(
      match[1],
      [...match[2].matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]),
    );
  }
  return out;
}

describe('the HTML report', () => {
  test('draws latency CDFs per class, and queue depth and memory over time per policy', () => {
    const drawn = charts();
    const expected = [
      ...['interactive', 'standard', 'batch'].flatMap((c) => [
        `${c}: time to first token`,
        `${c}: completion time`,
      ]),
      ...['lru', 'fifo'].flatMap((p) => [`${p}: jobs waiting`, `${p}: memory per worker`]),
    ];
    assert.deepEqual([...drawn.keys()].sort(), [...expected].sort());
    for (const c of ['interactive', 'standard', 'batch']) {
      // One CDF line per policy.
      assert.equal(drawn.get(`${c}: completion time`)!.length, 2, c);
    }
    for (const p of ['lru', 'fifo']) {
      // One line per class, and one per worker; a loaded model lifts the memory line off zero.
      assert.equal(drawn.get(`${p}: jobs waiting`)!.length, 3, p);
      const memory = drawn.get(`${p}: memory per worker`)!;
      assert.equal(memory.length, 2, p);
      // Every height a line takes (its start and each vertical step): not one flat line at zero.
      const heights = memory.flatMap((d) => [
        ...[...d.matchAll(/^M[\d.]+ ([\d.]+)/g)].map((m) => m[1]),
        ...[...d.matchAll(/V([\d.]+)/g)].map((m) => m[1]),
      ]);
      assert.ok(new Set(heights).size > 1, p);
    }
  });

  test('opens standalone: no script, stylesheet, font or image from anywhere', () => {
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(|src=/i);
    const addresses = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    assert.deepEqual([...new Set(addresses)], ['http://www.w3.org/2000/svg']);
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /a report &lt;check&gt; &amp; escape/);
  });
});
