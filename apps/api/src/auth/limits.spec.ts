import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';

const FIRST = 'sk-first-00000000000';
const SECOND = 'sk-second-0000000000';

// The per-key rate limit (in Redis), security headers and CORS on a real api.
describe('limits and headers', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());
  const as = (key: string) => ({ authorization: `Bearer ${key}` });

  before(async () => {
    ctx = await startApiTestContext(['tiny'], {
      API_KEYS: `${FIRST}@a:read;${SECOND}@b:read`,
      RATE_LIMIT_PER_MINUTE: '3',
      CORS_ORIGINS: 'https://ops.example.com',
    });
  });

  after(async () => {
    await ctx?.close();
  });

  it('answers 429 with Retry-After once a key used its requests of the minute; other keys go on', async () => {
    // Start well inside a window, so the count cannot reset half-way.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 55_000) await sleep(60_000 - intoWindow + 100);
    for (let i = 0; i < 3; i++) await http().get('/v1/models').set(as(FIRST)).expect(200);
    const refused = await http().get('/v1/jobs/x').set(as(FIRST)).expect(429);
    assert.match(
      refused.body.message,
      /^rate limit: this API key may make 3 requests per minute; retry in \d+ s$/,
    );
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
    await http().get('/v1/models').set(as(SECOND)).expect(200);
    // Health is public and not counted.
    const health = await http().get('/health');
    assert.notEqual(health.status, 429);
  });

  it('sends helmet headers, and CORS only for the configured origin', async () => {
    const answer = await http().get('/health');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.match(answer.headers['content-security-policy'], /default-src 'self'/);
    const preflight = await http()
      .options('/v1/jobs')
      .set('origin', 'https://ops.example.com')
      .set('access-control-request-method', 'POST');
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://ops.example.com');
    const stranger = await http()
      .options('/v1/jobs')
      .set('origin', 'https://evil.example.com')
      .set('access-control-request-method', 'POST');
    assert.equal(stranger.headers['access-control-allow-origin'], undefined);
  });
});
