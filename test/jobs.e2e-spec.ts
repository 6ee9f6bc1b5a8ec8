import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FleetHarness, type JobView } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

// Real api, scheduler and worker processes, real Redis, real node-llama-cpp on synthetic models.
describe('jobs end to end', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    // One job at a time on the worker, so queue order is observable; a small look-ahead window,
    // so an urgent job must get past a window full of batch jobs.
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      env: { SCHEDULER_WINDOW: '3' },
      workerEnv: { WORKER_SLOTS: '1', WORKER_MAX_JOBS: '1' },
    }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('a job completes with exactly max_tokens tokens, its output and its timings', async () => {
    const id = await fleet.submit({
      model: 'synth-5m',
      prompt: 'Hello there',
      max_tokens: 24,
      seed: 1,
    });
    const job = await fleet.waitForFinished(id);
    assert.equal(job.state, 'completed', JSON.stringify(job));
    assert.equal(job.usage?.completion_tokens, 24);
    assert.equal(job.finish_reason, 'length');
    assert.ok((job.output ?? '').length > 0, 'generated text');
    assert.ok((job.usage?.prompt_tokens ?? 0) > 0);
    for (const field of ['queueWaitMs', 'prefillMs', 'timeToFirstTokenMs', 'decodeMs', 'totalMs']) {
      assert.equal(typeof job.timings?.[field], 'number', field);
    }
    assert.ok((job.timings?.decodeTokensPerSecond ?? 0) > 0);
    assert.ok(job.worker, 'names its worker');
  });

  test('the event stream replays phases and tokens, then the final state', async () => {
    const id = await fleet.submit({ model: 'synth-5m', prompt: 'Stream me', max_tokens: 12 });
    const response = await fetch(`${fleet.baseUrl}/v1/jobs/${id}/events`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await response.text();
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'),
      }));
    const tokens = events.filter((e) => e.event === 'token');
    assert.ok(tokens.length > 0, text);
    const end = events.at(-1)!;
    assert.equal(end.event, 'end');
    assert.equal(end.data.state, 'completed');
    assert.equal(tokens.map((t) => t.data.text).join(''), end.data.output);
  });

  test('an interactive job submitted after waiting batch jobs runs before them', async () => {
    const batch: string[] = [];
    for (let i = 0; i < 4; i++) {
      batch.push(
        await fleet.submit({
          model: 'synth-5m',
          prompt: `batch ${i}`,
          max_tokens: 300,
          priority: 'batch',
        }),
      );
    }
    const interactive = await fleet.submit({
      model: 'synth-5m',
      prompt: 'urgent',
      max_tokens: 8,
      priority: 'interactive',
    });
    const views = await Promise.all([...batch, interactive].map((id) => fleet.waitForFinished(id)));
    const startOf = (job: JobView) => job.submittedAt + job.timings!.queueWaitMs;
    const urgent = views.at(-1)!;
    assert.equal(urgent.state, 'completed');
    const batchViews = views.slice(0, -1);
    // The first batch job may already run when the interactive one arrives; none after it may.
    const startedAfter = batchViews.filter((b) => startOf(b) > startOf(urgent));
    assert.ok(
      startedAfter.length >= 3,
      `batch jobs started after the interactive one: ${startedAfter.length}`,
    );
  });

  test('cancel while queued: the job never runs', async () => {
    const blocker = await fleet.submit({ model: 'synth-5m', prompt: 'long', max_tokens: 1500 });
    await fleet.waitForJob(blocker, (j) => j.state === 'running', 'to run');
    const queued = await fleet.submit({ model: 'synth-5m', prompt: 'never', max_tokens: 8 });
    const cancel = await fleet.request('DELETE', `/v1/jobs/${queued}`);
    assert.ok([200, 202].includes(cancel.status), JSON.stringify(cancel.body));
    const job = await fleet.waitForFinished(queued);
    assert.equal(job.state, 'cancelled');
    assert.ok(!job.usage?.completion_tokens, 'generated nothing');
    await fleet.request('DELETE', `/v1/jobs/${blocker}`);
    await fleet.waitForFinished(blocker);
  });

  test('cancel while running: it stops within a second and keeps its partial output', async () => {
    const id = await fleet.submit({ model: 'synth-5m', prompt: 'run then stop', max_tokens: 2000 });
    await fleet.waitForJob(
      id,
      (j) => j.state === 'running' && (j.output?.length ?? 0) > 0,
      'to produce output',
    );
    const asked = Date.now();
    const cancel = await fleet.request('DELETE', `/v1/jobs/${id}`);
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
    const job = await fleet.waitForJob(
      id,
      (j) => j.state === 'cancelled',
      'to be cancelled',
      10_000,
    );
    assert.ok(Date.now() - asked < 1500, `stopped after ${Date.now() - asked} ms`);
    assert.ok((job.output ?? '').length > 0, 'partial output kept');
    const tokens = job.usage?.completion_tokens ?? 0;
    assert.ok(tokens > 0 && tokens < 2000, `partial token count ${tokens}`);
    const again = await fleet.request('DELETE', `/v1/jobs/${id}`);
    assert.equal(again.status, 409);
  });
});

describe('a fleet of two workers', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({ modelsDir: models.dir, workers: 2 }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('20 concurrent jobs across 2 models all complete with exact token counts', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fleet.submit({
          model: i % 2 === 0 ? 'synth-5m' : 'synth-tiny',
          prompt: `job ${i}`,
          max_tokens: 16 + i,
          priority: (['interactive', 'standard', 'batch'] as const)[i % 3],
        }),
      ),
    );
    const views = await Promise.all(ids.map((id) => fleet.waitForFinished(id, 120_000)));
    views.forEach((job, i) => {
      assert.equal(job.state, 'completed', JSON.stringify(job));
      assert.equal(job.usage?.completion_tokens, 16 + i, JSON.stringify(job));
      assert.equal(job.model, i % 2 === 0 ? 'synth-5m' : 'synth-tiny');
    });
    const workers = new Set(views.map((j) => j.worker));
    assert.equal(workers.size, 2, 'both workers served jobs');
  });
});

describe('a worker killed in the middle of a job', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({ modelsDir: models.dir }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('the job completes later on a restarted worker, from its checkpoint, nothing lost', async () => {
    const id = await fleet.submit({
      model: 'synth-5m',
      prompt: 'survive a crash',
      max_tokens: 2000,
    });
    const running = await fleet.waitForJob(
      id,
      (j) => j.state === 'running' && (j.usage?.completion_tokens ?? 0) > 50,
      'to decode',
    );
    const [worker] = fleet.live('worker');
    worker.kill('SIGKILL');
    fleet.spawn('worker');
    const job = await fleet.waitForFinished(id, 90_000);
    assert.equal(job.state, 'completed', JSON.stringify(job));
    assert.equal(job.usage?.completion_tokens, 2000);
    assert.notEqual(job.worker, running.worker, 'finished by the new worker');
    assert.ok((job.resumes ?? 0) >= 1, 'restarted once');
    assert.ok((job.resumedFromToken ?? 0) > 0, 'resumed from its checkpoint, not from scratch');
  });
});
