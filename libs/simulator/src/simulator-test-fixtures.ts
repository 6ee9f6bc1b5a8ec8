import assert from 'node:assert/strict';
import { CostModel, type CostQuery } from '#switchyard/cost-model';
import { createPolicy, type SchedulingPolicy } from '#switchyard/policy';
import { parseScenario } from './scenario-parser.js';
import type { Scenario } from './scenario.js';
import { Simulator } from './simulator.js';

/** One H100 worker, one 1 B model, jobs listed as [class, at ms, prompt, output]. */
export function tiny(
  jobs: [string, number, number, number][],
  fleet: Record<string, unknown>[] = [],
  extra: Record<string, unknown> = {},
): Scenario {
  return parseScenario({
    name: 'tiny',
    duration: '1s',
    drain: '1h',
    contextSize: 2048,
    scheduler: { minRoundInterval: 0, stalledReturn: '10s' },
    models: [{ name: 'm', shape: 'llama-3.2-1b', quantization: 'Q8_0' }],
    fleet: fleet.length > 0 ? fleet : [{ device: 'h100-sxm', slots: 1, maxJobs: 1 }],
    workload: jobs.map(([cls, at, prompt, output]) => ({
      class: cls,
      arrival: { type: 'batch', at, count: 1 },
      end: '1h',
      promptTokens: prompt,
      outputTokens: output,
    })),
    ...extra,
  });
}

/** The catalog's cost model, as the tiny scenario's runs use it. */
export const costModel = new CostModel();
/** The tiny scenario's model. */
export const spec = tiny([['batch', 0, 1, 1]]).models[0].spec;
/** The query of the 1 B model as lru loads it on an H100 (all blocks and the output layer). */
export const q: CostQuery = {
  model: spec,
  device: 'h100-sxm',
  gpuLayers: spec.layers + 1,
  contextSize: 2048,
  threads: 1,
};
/** Its cold load (ms). */
export const loadMs = costModel.predictLoadMs(q, 'cold');
/** Its prefill of `tokens` tokens (ms). */
export const prefillMs = (tokens: number) =>
  (tokens * 1000) / costModel.predictPrefillTokensPerSecond(q, tokens);
/** One decode step with `kvTokens` tokens of cache (ms). */
export const stepMs = (kvTokens: number) =>
  1000 / costModel.predictDecodeTokensPerSecond(q, kvTokens);
/** One extra sequence's sampling in a batched step (ms). */
export const samplingMs = (spec.vocabSize * costModel.host.samplingNsPerVocabEntry) / 1e6;

/** Runs a scenario with every invariant checked and snapshots frozen (lru by default). */
export function run(
  scenario: Scenario,
  policy: SchedulingPolicy = createPolicy('lru'),
  name = 'lru',
) {
  return new Simulator(scenario, policy, name, {
    checkInvariants: true,
    freezeSnapshots: true,
  }).run();
}

/** Asserts two times (ms) agree to float noise. */
export function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ms, expected ${expected} ms`);
}
