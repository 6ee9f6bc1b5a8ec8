import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import {
  BULL_PRIORITY,
  type DecisionRecord,
  type FleetSnapshot,
  type JobData,
  type QueueDepthSample,
  type WorkerState,
} from '#switchyard/contracts';
import { MessageStream, SlaLedger, WorkerRegistry } from '#switchyard/fleet';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';

const ADMIN = 'sk-fleet-admin-000000';
const READER = 'sk-fleet-reader-00000';

const worker: WorkerState = {
  id: 'cpu-1',
  host: 'box',
  pid: 42,
  device: { kind: 'cpu', name: 'EPYC', gpuMemoryTotalBytes: 0, ramTotalBytes: 24e9, threads: 1 },
  memoryBudgetBytes: 20e9,
  memoryUsedBytes: 36e6,
  slotsPerModel: 2,
  maxConcurrentJobs: 2,
  loaded: [
    {
      model: 'tiny',
      gpuLayers: 0,
      totalLayers: 3,
      contextSize: 256,
      slots: 2,
      busySlots: 1,
      memoryBytes: 36e6,
      loadedAt: 1,
      lastUsedAt: 2,
    },
  ],
  running: [
    {
      jobId: 'run-1',
      model: 'tiny',
      priority: 'interactive',
      phase: 'decoding',
      promptTokens: 4,
      maxTokens: 64,
      preemptions: 0,
      completionTokens: 12,
      tokensPerSecond: 810.5,
      startedAt: 3,
    },
  ],
  models: [],
  appliedCommandId: '0-0',
  draining: false,
  startedAt: 1,
  heartbeatAt: 4,
};

function sample(at: number, batch: number): QueueDepthSample {
  return {
    at,
    waiting: { interactive: 0, standard: 1, batch },
    running: { interactive: 1, standard: 0, batch: 0 },
    tokensPerSecond: 810.5,
  };
}

// GET /v1/fleet assembled from what the processes publish in Redis, and the /fleet page's files.
describe('FleetController', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const basic = (key: string) => ({
    authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`,
  });
  const now = Date.now();

  before(async () => {
    ctx = await startApiTestContext(['tiny'], {
      API_KEYS: `${ADMIN}@ops:admin;${READER}@acme:read`,
    });
    await new WorkerRegistry(ctx.redis, ctx.keys).heartbeat(worker, 60_000);
    await ctx.redis.set(ctx.keys.schedulerLeader(), 'sched-1', 'PX', 60_000);
    const data = {
      model: 'tiny',
      prompt: 'x',
      maxTokens: 8,
      priority: 'batch',
      submittedAt: now - 5_000,
      requestId: 'r',
      tenant: 'acme',
    } as JobData;
    const job = await ctx.queue.add('tiny · batch', data, {
      jobId: 'wait-1',
      priority: BULL_PRIORITY.batch,
    });
    await job.updateProgress({
      phase: 'queued',
      reason: 'every slot of tiny is busy; the first frees in 1.2 s',
      position: 1,
      estimatedStartAt: now + 1_200,
      updatedAt: now,
    });
    await ctx.redis.set(
      ctx.keys.schedulerStatus(),
      JSON.stringify({
        leader: 'sched-1',
        policy: 'sensitivity',
        leadingSince: now - 60_000,
        lastDecision: {
          at: now - 100,
          decideMs: 0.5,
          windowSize: 1,
          actions: [],
          // gone-1 finished since: it is left out.
          waiting: [
            { jobId: 'wait-1', reason: 'older', position: 1 },
            { jobId: 'gone-1', reason: 'older', position: 2 },
          ],
        },
      }),
    );
    const decisions: DecisionRecord[] = [
      {
        at: now - 2_000,
        type: 'load',
        workerId: 'cpu-1',
        model: 'tiny',
        gpuLayers: 0,
        reason: 'for run-1',
      },
      {
        at: now - 1_000,
        type: 'dispatch',
        workerId: 'cpu-1',
        model: 'tiny',
        jobId: 'run-1',
        reason: 'loaded, a free slot',
      },
    ];
    await new MessageStream<DecisionRecord>(ctx.redis, ctx.keys.schedulerDecisions()).sendMany(
      decisions,
    );
    const depth = new MessageStream<QueueDepthSample>(ctx.redis, ctx.keys.queueDepth());
    await depth.sendMany([
      sample(now - 11 * 60_000, 9),
      sample(now - 4_000, 3),
      sample(now - 2_000, 2),
    ]);
    const sla = new SlaLedger(ctx.redis, ctx.keys);
    for (const met of [true, true, true, false]) await sla.record('interactive', met);
    // An hour ago: in the totals, not in the recent window.
    await sla.record('interactive', false, now - 3_600_000);
  });

  after(async () => {
    await ctx.close();
  });

  it('answers the snapshot: workers, ten minutes of samples, SLA, decisions, waiting jobs', async () => {
    const { body } = (await http().get('/v1/fleet').set(bearer(ADMIN)).expect(200)) as {
      body: FleetSnapshot;
    };
    assert.ok(Math.abs(body.at - Date.now()) < 10_000);
    assert.deepEqual(body.scheduler, {
      leader: 'sched-1',
      policy: 'sensitivity',
      leadingSince: now - 60_000,
      lastRoundAt: now - 100,
      decideMs: 0.5,
      windowSize: 1,
    });
    assert.equal(body.workers.length, 1);
    assert.equal(body.workers[0].id, 'cpu-1');
    assert.deepEqual(body.workers[0].loaded, worker.loaded);
    assert.deepEqual(body.workers[0].running, worker.running);
    assert.equal('models' in body.workers[0], false);
    assert.deepEqual(
      body.queue.samples.map((s) => s.at),
      [now - 4_000, now - 2_000],
      'the sample from 11 minutes ago is past the history',
    );
    assert.deepEqual(body.queue.waiting, { interactive: 0, standard: 1, batch: 2 });
    assert.equal(body.queue.sampleEveryMs, 2_000);
    assert.deepEqual(body.sla.interactive, {
      met: 3,
      missed: 2,
      attainment: 0.6,
      recent: { met: 3, missed: 1, attainment: 0.75 },
    });
    assert.deepEqual(body.sla.batch, {
      met: 0,
      missed: 0,
      attainment: null,
      recent: { met: 0, missed: 0, attainment: null },
    });
    assert.equal(body.slaRecentMinutes, 15);
    assert.deepEqual(
      body.decisions.map((d) => [d.type, d.reason]),
      [
        ['dispatch', 'loaded, a free slot'],
        ['load', 'for run-1'],
      ],
    );
    assert.deepEqual(body.waiting, [
      {
        id: 'wait-1',
        model: 'tiny',
        priority: 'batch',
        tenant: 'acme',
        submittedAt: now - 5_000,
        position: 1,
        estimatedStartAt: now + 1_200,
        reason: 'every slot of tiny is busy; the first frees in 1.2 s',
      },
    ]);
  });

  it('with `since` answers only newer samples; a bad `since` is a 400', async () => {
    const { body } = await http()
      .get(`/v1/fleet?since=${now - 3_000}`)
      .set(bearer(ADMIN))
      .expect(200);
    assert.deepEqual(
      (body as FleetSnapshot).queue.samples.map((s) => s.at),
      [now - 2_000],
    );
    assert.deepEqual((body as FleetSnapshot).queue.waiting.batch, 2);
    await http().get('/v1/fleet?since=soon').set(bearer(ADMIN)).expect(400);
  });

  it('needs the admin scope', async () => {
    await http().get('/v1/fleet').expect(401);
    await http().get('/v1/fleet').set(bearer(READER)).expect(403);
  });

  it('serves the page behind the admin key, Basic for a browser, with the strict CSP', async () => {
    const refused = await http().get('/fleet').expect(401);
    assert.match(refused.headers['www-authenticate'], /^Basic realm="switchyard admin"/);
    assert.equal(refused.body.message, 'The fleet page needs an admin API key');
    await http().get('/fleet/').set(basic(READER)).expect(403);
    const redirect = await http().get('/fleet').set(basic(ADMIN)).expect(301);
    assert.equal(redirect.headers.location, '/fleet/');
    const shell = await http().get('/fleet/').set(basic(ADMIN)).expect(200);
    assert.match(shell.headers['content-type'], /^text\/html/);
    assert.match(shell.text, /<script type="module" src="\/fleet\/fleet\.js"><\/script>/);
    assert.match(shell.headers['content-security-policy'], /script-src 'self'/);
    const script = await http().get('/fleet/fleet.js').set(bearer(ADMIN)).expect(200);
    assert.match(script.headers['content-type'], /javascript/);
    const style = await http().get('/fleet/fleet.css').set(bearer(ADMIN)).expect(200);
    assert.match(style.headers['content-type'], /^text\/css/);
  });
});
