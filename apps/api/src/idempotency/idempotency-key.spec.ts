import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';
import { canonicalJson } from './idempotency-store.js';

// Retries with the same Idempotency-Key, on the three endpoints that create work, against a
// real Redis: they add nothing and answer what the first request created.
describe('Idempotency-Key', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());
  // Jobs with a priority wait in BullMQ's `prioritized` list.
  const queued = async () => {
    const counts = await ctx.queue.getJobCounts('waiting', 'prioritized');
    return counts.waiting + counts.prioritized;
  };
  const body = { model: 'tiny', prompt: 'hello', max_tokens: 3, priority: 'batch' };

  before(async () => {
    ctx = await startApiTestContext(['tiny']);
  });

  after(async () => {
    await ctx?.close();
  });

  it('a retried POST /v1/jobs answers the first job and adds none', async () => {
    const first = await http()
      .post('/v1/jobs')
      .set('idempotency-key', 'k-1')
      .send(body)
      .expect(202);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await http()
      .post('/v1/jobs')
      .set('idempotency-key', 'k-1')
      .send(body)
      .expect(202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.state, 'queued');
    assert.equal(await queued(), 1);
    // Another key is another job.
    const other = await http()
      .post('/v1/jobs')
      .set('idempotency-key', 'k-2')
      .send(body)
      .expect(202);
    assert.notEqual(other.body.id, first.body.id);
    assert.equal(await queued(), 2);
  });

  it('a retry after the job was cancelled answers the cancelled job instead of running it again', async () => {
    const first = await http()
      .post('/v1/jobs')
      .set('idempotency-key', 'k-3')
      .send(body)
      .expect(202);
    await http().delete(`/v1/jobs/${first.body.id}`).expect(200);
    const again = await http()
      .post('/v1/jobs')
      .set('idempotency-key', 'k-3')
      .send(body)
      .expect(202);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.state, 'cancelled');
    assert.equal(await ctx.queue.getJob(first.body.id), undefined);
  });

  it('the same key with another body is a 422 that names the key; nothing is added', async () => {
    await http().post('/v1/jobs').set('idempotency-key', 'k-4').send(body).expect(202);
    const waiting = await queued();
    const response = await http()
      .post('/v1/jobs')
      .set('idempotency-key', 'k-4')
      .send({ ...body, max_tokens: 4 })
      .expect(422);
    assert.match(
      response.body.message,
      /Idempotency-Key "k-4" was already used for a different request/,
    );
    assert.equal(await queued(), waiting);
  });

  it('a malformed key is a 400 that says what a key may hold', async () => {
    const response = await http()
      .post('/v1/jobs')
      .set('idempotency-key', 'has space')
      .send(body)
      .expect(400);
    assert.match(response.body.message, /^Idempotency-Key header: must be 1 to 255 visible ASCII/);
  });

  it('a retried POST /v1/jobs/batch answers the same ids per item and adds nothing', async () => {
    const jobs = [body, { ...body, model: 'nope' }, { ...body, prompt: 'second' }];
    const first = await http()
      .post('/v1/jobs/batch')
      .set('idempotency-key', 'bulk-1')
      .send({ jobs })
      .expect(202);
    assert.equal(first.body.accepted, 2);
    const waiting = await queued();
    const again = await http()
      .post('/v1/jobs/batch')
      .set('idempotency-key', 'bulk-1')
      .send({ jobs })
      .expect(202);
    assert.deepEqual(
      again.body.items.map((item: { id?: string }) => item.id),
      first.body.items.map((item: { id?: string }) => item.id),
    );
    assert.equal(again.body.items[1].error.statusCode, 404);
    assert.equal(await queued(), waiting);
  });

  it('a retried POST /v1/batches answers the first batch', async () => {
    const line = JSON.stringify({
      custom_id: 'a',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
    });
    const file = await http()
      .post('/v1/files')
      .field('purpose', 'batch')
      .attach('file', Buffer.from(line), 'in.jsonl')
      .expect(200);
    const create = {
      input_file_id: file.body.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    };
    const first = await http()
      .post('/v1/batches')
      .set('idempotency-key', 'b-1')
      .send(create)
      .expect(200);
    const again = await http()
      .post('/v1/batches')
      .set('idempotency-key', 'b-1')
      .send(create)
      .expect(200);
    assert.equal(again.body.id, first.body.id);
    assert.match(first.body.id, /^batch_[0-9a-f]{24}$/);
    const list = await http().get('/v1/batches').expect(200);
    assert.equal(list.body.data.length, 1);
    const conflict = await http()
      .post('/v1/batches')
      .set('idempotency-key', 'b-1')
      .send({ ...create, metadata: { x: 'y' } })
      .expect(422);
    // The OpenAI routes answer in OpenAI's error shape.
    assert.match(conflict.body.error.message, /already used for a different request/);
  });

  it('fingerprints ignore the order of object keys', () => {
    assert.equal(
      canonicalJson({ a: 1, b: { d: [2, { f: 1, e: 0 }], c: 3 } }),
      canonicalJson({ b: { c: 3, d: [2, { e: 0, f: 1 }] }, a: 1 }),
    );
    assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
  });
});
