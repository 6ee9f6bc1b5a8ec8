import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WorkerState } from '#switchyard/contracts';
import { findSamples, parsePrometheusText, type PrometheusSample } from '#switchyard/metrics';
import { WorkerMetrics } from './worker-metrics.js';

function value(all: PrometheusSample[], name: string, labels: Record<string, string>): number {
  const found = findSamples(all, name, labels);
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}`);
  return found[0].value;
}

describe('WorkerMetrics', () => {
  test('counts only the tokens a run generated, and the cost of its preemption', async () => {
    const metrics = new WorkerMetrics();
    metrics.attach('w1', () => undefined);
    const run = { completionTokens: 30, resumedTokens: 0, decodeTokensPerSecond: 0 };
    metrics.recordRun(
      'm',
      { ...run, preemptionRecord: { stopMs: 20, kvSavedBytes: 4096, kvSaveMs: 5 } },
      'released',
    );
    metrics.recordRun(
      'm',
      { ...run, completionTokens: 50, resumedTokens: 30, decodeTokensPerSecond: 40 },
      'completed',
    );
    const all = parsePrometheusText(await metrics.registry.metrics());
    const labels = { worker: 'w1', model: 'm' };
    assert.equal(value(all, 'switchyard_worker_generated_tokens_total', labels), 50);
    assert.equal(value(all, 'switchyard_worker_decode_tokens_per_second_count', labels), 1);
    assert.equal(
      value(all, 'switchyard_worker_job_runs_total', { ...labels, outcome: 'released' }),
      1,
    );
    assert.equal(
      value(all, 'switchyard_worker_preemptions_total', { ...labels, kv_kept: 'true' }),
      1,
    );
    assert.equal(value(all, 'switchyard_worker_preemption_stop_seconds_sum', labels), 0.02);
    assert.equal(value(all, 'switchyard_worker_preemption_kv_saved_bytes_total', labels), 4096);
  });

  test('reads budget, use and loaded models from the state at each scrape', async () => {
    const metrics = new WorkerMetrics();
    let loaded = [{ model: 'a', memoryBytes: 300, gpuLayers: 4, totalLayers: 8 }];
    metrics.attach(
      'w1',
      () =>
        ({
          id: 'w1',
          memoryBudgetBytes: 1000,
          memoryUsedBytes: 300,
          running: [],
          loaded,
        }) as unknown as WorkerState,
    );
    metrics.recordLoad('a', { bytes: 300, ms: 1500 });
    metrics.recordLoad('b');
    let all = parsePrometheusText(await metrics.registry.metrics());
    assert.equal(value(all, 'switchyard_worker_memory_budget_bytes', { worker: 'w1' }), 1000);
    assert.equal(
      value(all, 'switchyard_worker_model_memory_bytes', { worker: 'w1', model: 'a' }),
      300,
    );
    assert.equal(value(all, 'switchyard_worker_model_gpu_layers', { model: 'a', layer: 'gpu' }), 4);
    assert.equal(
      value(all, 'switchyard_worker_model_loads_total', { model: 'b', result: 'failed' }),
      1,
    );
    assert.equal(value(all, 'switchyard_worker_model_load_seconds_sum', { model: 'a' }), 1.5);
    loaded = [];
    metrics.recordUnload('a', 300, 10);
    all = parsePrometheusText(await metrics.registry.metrics());
    assert.deepEqual(
      findSamples(all, 'switchyard_worker_model_memory_bytes'),
      [],
      'unloaded: gone',
    );
    assert.equal(value(all, 'switchyard_worker_model_unloaded_bytes_total', { model: 'a' }), 300);
  });
});
