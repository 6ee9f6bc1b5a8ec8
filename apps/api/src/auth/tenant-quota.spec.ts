import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';

const ACME = 'sk-acme-quota-000000';
const GLOBEX = 'sk-globex-quota-0000';

// TENANT_MAX_QUEUED on a real api and Redis, no worker: jobs stay queued and count.
describe('the per-tenant cap on unfinished jobs', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const body = { model: 'tiny', prompt: 'hi', max_tokens: 2, priority: 'batch' };
  const queued = async () => {
    const counts = await ctx.queue.getJobCounts('waiting', 'prioritized');
    return counts.waiting + counts.prioritized;
  };

  before(async () => {
    ctx = await startApiTestContext(['tiny'], {
      API_KEYS: `${ACME}@acme:submit+read;${GLOBEX}@globex:submit+read`,
      TENANT_MAX_QUEUED: '3',
    });
  });

  after(async () => {
    await ctx?.close();
  });

  it('refuses the job past the cap with a 429 and Retry-After; other tenants are not held back', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await http().post('/v1/jobs').set(as(ACME)).send(body).expect(202)).body.id);
    }
    const refused = await http().post('/v1/jobs').set(as(ACME)).send(body).expect(429);
    assert.equal(
      refused.body.message,
      'tenant "acme" has 3 unfinished jobs and may have at most 3 (TENANT_MAX_QUEUED); retry once some have finished',
    );
    assert.equal(refused.headers['retry-after'], '5');
    assert.equal(await queued(), 3);
    await http().post('/v1/jobs').set(as(GLOBEX)).send(body).expect(202);

    // A finished (here: cancelled) job frees its place.
    await http().delete(`/v1/jobs/${ids[0]}`).set(as(ACME)).expect(200);
    await http().post('/v1/jobs').set(as(ACME)).send(body).expect(202);
  });

  it('refuses a bulk submission that does not fit as a whole, enqueueing none of it', async () => {
    // globex holds 1: two more fit, three do not.
    const before = await queued();
    await http()
      .post('/v1/jobs/batch')
      .set(as(GLOBEX))
      .send({ jobs: [body, body, body] })
      .expect(429);
    assert.equal(await queued(), before);
    const fits = await http()
      .post('/v1/jobs/batch')
      .set(as(GLOBEX))
      .send({ jobs: [body, body] })
      .expect(202);
    assert.equal(fits.body.accepted, 2);
    assert.equal(await queued(), before + 2);
  });

  it('answers a retry with the same Idempotency-Key at the cap with the first job', async () => {
    // acme is at 3 of 3 again: the key's first use is refused, and a refusal creates nothing.
    const first = await http()
      .post('/v1/jobs')
      .set(as(ACME))
      .set('idempotency-key', 'quota-1')
      .send(body)
      .expect(429);
    assert.match(first.body.message, /may have at most 3/);
    await http()
      .delete(`/v1/jobs/${(await ctx.queue.getPrioritized())[0]!.id}`)
      .set(as(ACME));
    const accepted = await http()
      .post('/v1/jobs')
      .set(as(ACME))
      .set('idempotency-key', 'quota-1')
      .send(body)
      .expect(202);
    const again = await http()
      .post('/v1/jobs')
      .set(as(ACME))
      .set('idempotency-key', 'quota-1')
      .send(body)
      .expect(202);
    assert.equal(again.body.id, accepted.body.id);
  });
});
