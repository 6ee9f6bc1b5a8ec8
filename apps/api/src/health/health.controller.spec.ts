import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { loadEnv, type WorkerState } from '#switchyard/contracts';
import { WorkerRegistry } from '#switchyard/fleet';
import { ApiEnv } from '../config/api-env.js';
import { createApiApp } from '../create-api-app.js';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';

function workerState(id: string): WorkerState {
  return {
    id,
    host: 'test',
    pid: 1,
    device: { kind: 'cpu', name: 'cpu', gpuMemoryTotalBytes: 0, ramTotalBytes: 1e9, threads: 2 },
    memoryBudgetBytes: 1e9,
    memoryUsedBytes: 0,
    slotsPerModel: 1,
    maxConcurrentJobs: 1,
    loaded: [],
    running: [],
    models: [],
    appliedCommandId: '0-0',
    draining: false,
    startedAt: Date.now(),
    heartbeatAt: Date.now(),
  };
}

describe('HealthController and WorkersController', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());

  before(async () => {
    ctx = await startApiTestContext();
  });

  after(async () => {
    await ctx.close();
  });

  it('is degraded (200) with Redis but no scheduler and no worker', async () => {
    const response = await http().get('/health').expect(200);
    assert.equal(response.body.status, 'degraded');
    assert.equal(response.body.redis.ok, true);
    assert.equal(typeof response.body.redis.latency_ms, 'number');
    assert.deepEqual(response.body.scheduler, { leader: null });
    assert.deepEqual(response.body.workers, { count: 0, ids: [] });
  });

  it('is ok with a leader and a live worker, and lists both', async () => {
    await ctx.redis.set(ctx.keys.schedulerLeader(), 'scheduler-1', 'PX', 10_000);
    await ctx.redis.set(ctx.keys.schedulerStatus(), JSON.stringify({ backlog: 3 }));
    await new WorkerRegistry(ctx.redis, ctx.keys).heartbeat(workerState('w1'), 10_000);

    const health = (await http().get('/health').expect(200)).body;
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.scheduler, { leader: 'scheduler-1' });
    assert.deepEqual(health.workers, { count: 1, ids: ['w1'] });

    const fleet = (await http().get('/v1/workers').expect(200)).body;
    assert.equal(fleet.workers.length, 1);
    assert.equal(fleet.workers[0].id, 'w1');
    assert.equal(fleet.workers[0].device.kind, 'cpu');
    assert.deepEqual(fleet.scheduler, { leader: 'scheduler-1', status: { backlog: 3 } });
  });

  it('serves Bull Board at /admin/queues', async () => {
    const response = await http().get('/admin/queues').expect(200);
    assert.match(response.headers['content-type'], /html/);
  });

  it('answers 404 in the common error shape', async () => {
    const response = await http().get('/nowhere').expect(404);
    assert.deepEqual(Object.keys(response.body).sort(), ['error', 'message', 'path', 'statusCode']);
    assert.equal(response.body.path, '/nowhere');
  });

  it('is down (503) when Redis does not answer', async () => {
    const env = loadEnv(ApiEnv, {
      REDIS_URL: 'redis://127.0.0.1:1',
      SWITCHYARD_PREFIX: 'sy-api-test-down',
      MODELS_DIR: ctx.modelsDir,
      LOG_LEVEL: 'error',
    });
    const app = await createApiApp(env);
    try {
      const response = await request(app.getHttpServer()).get('/health').expect(503);
      assert.equal(response.body.status, 'down');
      assert.deepEqual(response.body.redis, { ok: false, latency_ms: null });
    } finally {
      await app.close();
    }
  });
});
