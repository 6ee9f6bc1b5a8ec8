import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { findSamples, parsePrometheusText, type PrometheusSample } from '#switchyard/metrics';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

const MAX_TOKENS = 8;

// One job through a real fleet, then the three processes' /metrics parsed as Prometheus text.
describe('metrics end to end', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;
  let schedulerPort: number;
  let workerPort: number;
  let workerId: string;

  const scrape = async (url: string): Promise<PrometheusSample[]> => {
    const response = await fetch(url);
    assert.equal(response.status, 200, url);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    return parsePrometheusText(await response.text());
  };
  const value = (samples: PrometheusSample[], name: string, labels: Record<string, string>) => {
    const found = findSamples(samples, name, labels);
    assert.equal(found.length, 1, `one ${name} ${JSON.stringify(labels)}: ${found.length}`);
    return found[0].value;
  };

  before(async () => {
    models = await makeTestModels();
    schedulerPort = await freePort();
    workerPort = await freePort();
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      env: { METRICS_PORT: String(schedulerPort), METRICS_HOST: '127.0.0.1' },
      workerEnv: { METRICS_PORT: String(workerPort) },
    }).start();
    const id = await fleet.submit({
      model: 'synth-5m',
      prompt: 'Count me',
      max_tokens: MAX_TOKENS,
      priority: 'interactive',
    });
    const job = await fleet.waitForFinished(id);
    assert.equal(job.state, 'completed', JSON.stringify(job));
    workerId = job.worker!;
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('the scheduler counts the completion per class and model, with its SLA outcome', async () => {
    const url = `http://127.0.0.1:${schedulerPort}/metrics`;
    const job = { class: 'interactive', model: 'synth-5m', role: 'scheduler' };
    let samples: PrometheusSample[] = [];
    // The completion is counted from the queue's event, a moment after the api shows it.
    await fleet.waitFor(
      'the scheduler to count the completion',
      async () => {
        samples = await scrape(url);
        return findSamples(samples, 'switchyard_jobs_completed_total', job).length > 0;
      },
      10_000,
    );
    assert.equal(value(samples, 'switchyard_jobs_completed_total', job), 1);
    for (const name of ['wait', 'time_to_first_token', 'completion']) {
      assert.equal(value(samples, `switchyard_job_${name}_seconds_count`, job), 1, name);
    }
    const met = value(samples, 'switchyard_sla_total', { class: 'interactive', outcome: 'met' });
    const missed = value(samples, 'switchyard_sla_total', {
      class: 'interactive',
      outcome: 'missed',
    });
    assert.equal(met + missed, 1);
    assert.equal(value(samples, 'switchyard_sla_total', { class: 'batch', outcome: 'met' }), 0);
    assert.equal(value(samples, 'switchyard_scheduler_actions_total', { type: 'dispatch' }), 1);
    assert.equal(value(samples, 'switchyard_scheduler_actions_total', { type: 'load' }), 1);
    const decisions = value(samples, 'switchyard_scheduler_decisions_total', {});
    assert.ok(decisions >= 2, `decisions ${decisions}`);
    // Scraped between rounds or during one: the histogram lags the counter by at most one.
    const decideCount = value(samples, 'switchyard_scheduler_decide_seconds_count', {});
    assert.ok(decisions - decideCount <= 1 && decideCount <= decisions);
    assert.equal(value(samples, 'switchyard_scheduler_window_jobs', { class: 'interactive' }), 0);
    assert.ok(findSamples(samples, 'switchyard_process_resident_memory_bytes').length === 1);
  });

  test('the worker counts its tokens, the model load and its memory', async () => {
    const samples = await scrape(`http://127.0.0.1:${workerPort}/metrics`);
    const labels = { worker: workerId, model: 'synth-5m', role: 'worker' };
    assert.equal(value(samples, 'switchyard_worker_generated_tokens_total', labels), MAX_TOKENS);
    assert.equal(
      value(samples, 'switchyard_worker_job_runs_total', { ...labels, outcome: 'completed' }),
      1,
    );
    assert.equal(value(samples, 'switchyard_worker_decode_tokens_per_second_count', labels), 1);
    assert.equal(
      value(samples, 'switchyard_worker_model_loads_total', { ...labels, result: 'ok' }),
      1,
    );
    assert.equal(value(samples, 'switchyard_worker_model_load_seconds_count', labels), 1);
    const modelBytes = value(samples, 'switchyard_worker_model_memory_bytes', labels);
    assert.ok(modelBytes > 0);
    assert.equal(value(samples, 'switchyard_worker_model_loaded_bytes_total', labels), modelBytes);
    assert.equal(
      value(samples, 'switchyard_worker_memory_used_bytes', { worker: workerId }),
      modelBytes,
    );
    assert.ok(
      value(samples, 'switchyard_worker_memory_budget_bytes', { worker: workerId }) > modelBytes,
    );
    const state = await fleet.workerState(workerId);
    const loaded = state!.loaded.find((m) => m.model === 'synth-5m')!;
    assert.equal(
      value(samples, 'switchyard_worker_model_gpu_layers', { ...labels, layer: 'total' }),
      loaded.totalLayers,
    );
    assert.equal(
      value(samples, 'switchyard_worker_model_gpu_layers', { ...labels, layer: 'gpu' }),
      loaded.gpuLayers,
    );
    assert.equal(value(samples, 'switchyard_worker_running_jobs', { worker: workerId }), 0);
  });

  test('the api counts the submission by route and reads the queue per class', async () => {
    const samples = await scrape(`${fleet.baseUrl}/metrics`);
    const post = { method: 'POST', route: '/v1/jobs', status: '202', role: 'api' };
    assert.equal(value(samples, 'switchyard_http_requests_total', post), 1);
    for (const c of ['interactive', 'standard', 'batch']) {
      assert.equal(value(samples, 'switchyard_queue_jobs', { class: c }), 0, c);
    }
    assert.equal(value(samples, 'switchyard_queue_state_jobs', { state: 'completed' }), 1);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
