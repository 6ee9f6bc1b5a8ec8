import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';

const ACME = 'sk-acme-0000000000000';
const ACME_READER = 'sk-acme-reader-00000';
const GLOBEX = 'sk-globex-0000000000';
const ADMIN = 'sk-admin-00000000000';

// API keys, scopes and tenants on a real api and Redis: a key sees only its tenant's work.
describe('API keys and tenants', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const body = { model: 'tiny', prompt: 'hi', max_tokens: 2 };

  before(async () => {
    ctx = await startApiTestContext(['tiny'], {
      API_KEYS: [
        `${ACME}@acme:submit+read`,
        `${ACME_READER}@acme:read`,
        `${GLOBEX}@globex:submit+read`,
        `${ADMIN}@ops:admin`,
      ].join(';'),
    });
  });

  after(async () => {
    await ctx?.close();
  });

  it('refuses a request without a key or with an unknown one (401), and says how to send one', async () => {
    const missing = await http().post('/v1/jobs').send(body).expect(401);
    assert.equal(
      missing.body.message,
      'missing API key: send the header Authorization: Bearer <key>',
    );
    assert.equal(missing.headers['www-authenticate'], 'Bearer');
    const wrong = await http().get('/v1/jobs/x').set(as('sk-nobody-000000000')).expect(401);
    assert.equal(wrong.body.message, 'invalid API key');
    // The OpenAI routes answer in OpenAI's error shape.
    const openai = await http().post('/v1/chat/completions').send({}).expect(401);
    assert.equal(
      openai.body.error.message,
      'missing API key: send the header Authorization: Bearer <key>',
    );
  });

  it('checks scopes: a read-only key cannot submit (403); workers need admin', async () => {
    const refused = await http().post('/v1/jobs').set(as(ACME_READER)).send(body).expect(403);
    assert.equal(refused.body.message, 'this API key lacks the "submit" scope');
    await http().get('/v1/models').set(as(ACME_READER)).expect(200);
    const workers = await http().get('/v1/workers').set(as(ACME)).expect(403);
    assert.equal(workers.body.message, 'this API key lacks the "admin" scope');
    await http().get('/v1/workers').set(as(ADMIN)).expect(200);
  });

  it('leaves health open', async () => {
    const health = await http().get('/health');
    assert.ok([200, 503].includes(health.status));
  });

  it("answers 404 for another tenant's job, and lets the admin see it", async () => {
    const job = await http().post('/v1/jobs').set(as(ACME)).send(body).expect(202);
    const id = job.body.id as string;
    const own = await http().get(`/v1/jobs/${id}`).set(as(ACME_READER)).expect(200);
    assert.equal(own.body.tenant, 'acme');
    const other = await http().get(`/v1/jobs/${id}`).set(as(GLOBEX)).expect(404);
    assert.equal(other.body.message, `job "${id}" not found`);
    await http().get(`/v1/jobs/${id}/events`).set(as(GLOBEX)).expect(404);
    await http().delete(`/v1/jobs/${id}`).set(as(GLOBEX)).expect(404);
    await http().get(`/v1/jobs/${id}`).set(as(ADMIN)).expect(200);
    // Still queued: globex's cancel did not touch it.
    const counts = await ctx.queue.getJobCounts('waiting', 'prioritized');
    assert.equal(counts.waiting + counts.prioritized, 1);
    await http().delete(`/v1/jobs/${id}`).set(as(ACME)).expect(200);
    await http().get(`/v1/jobs/${id}`).set(as(GLOBEX)).expect(404);
  });

  it('keeps files and batches apart per tenant', async () => {
    const line = JSON.stringify({
      custom_id: 'a',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 },
    });
    const file = await http()
      .post('/v1/files')
      .set(as(ACME))
      .field('purpose', 'batch')
      .attach('file', Buffer.from(line), 'in.jsonl')
      .expect(200);
    const fileId = file.body.id as string;
    assert.equal(file.body.tenant, undefined, 'the file object stays OpenAI-shaped');
    await http().get(`/v1/files/${fileId}`).set(as(GLOBEX)).expect(404);
    await http().get(`/v1/files/${fileId}/content`).set(as(GLOBEX)).expect(404);
    await http().delete(`/v1/files/${fileId}`).set(as(GLOBEX)).expect(404);
    const globexFiles = await http().get('/v1/files').set(as(GLOBEX)).expect(200);
    assert.deepEqual(globexFiles.body.data, []);
    const acmeFiles = await http().get('/v1/files').set(as(ACME)).expect(200);
    assert.deepEqual(
      acmeFiles.body.data.map((f: { id: string }) => f.id),
      [fileId],
    );

    const create = {
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    };
    // Another tenant cannot start a batch on acme's file.
    await http().post('/v1/batches').set(as(GLOBEX)).send(create).expect(404);
    const batch = await http().post('/v1/batches').set(as(ACME)).send(create).expect(200);
    const batchId = batch.body.id as string;
    await http().get(`/v1/batches/${batchId}`).set(as(GLOBEX)).expect(404);
    await http().post(`/v1/batches/${batchId}/cancel`).set(as(GLOBEX)).expect(404);
    assert.deepEqual((await http().get('/v1/batches').set(as(GLOBEX)).expect(200)).body.data, []);
    const acmeBatches = await http().get('/v1/batches').set(as(ACME)).expect(200);
    assert.deepEqual(
      acmeBatches.body.data.map((b: { id: string }) => b.id),
      [batchId],
    );
    const all = await http().get('/v1/batches').set(as(ADMIN)).expect(200);
    assert.equal(all.body.data.length, 1);
  });

  it('puts Bull Board behind an admin key (Bearer or Basic)', async () => {
    const anonymous = await http().get('/admin/queues').expect(401);
    assert.match(anonymous.headers['www-authenticate'], /^Basic realm="switchyard admin"/);
    await http().get('/admin/queues').set(as(ACME)).expect(403);
    await http().get('/admin/queues').set(as(ADMIN)).expect(200);
    const basic = `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}`;
    await http().get('/admin/queues').set('authorization', basic).expect(200);
  });
});
