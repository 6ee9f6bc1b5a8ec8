import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';
import { OPERATION_DOCS } from './operation-docs.js';

/** Every `METHOD /path` the Express router serves (Nest's routes), in the OpenAPI path form. */
function servedRoutes(ctx: ApiTestContext): string[] {
  const express = ctx.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const routes: string[] = [];
  for (const { route } of express.router.stack) {
    if (!route || route.path.startsWith('/docs')) continue;
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    for (const method of Object.keys(route.methods)) routes.push(`${method.toUpperCase()} ${path}`);
  }
  return routes.sort();
}

describe('OpenAPI docs', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());

  before(async () => {
    ctx = await startApiTestContext([], { API_KEYS: 'sk-admin-0123456789@ops:admin' });
  });

  after(async () => {
    await ctx.close();
  });

  it('/docs-json lists every route with a summary and a tag, without an API key', async () => {
    const response = await http().get('/docs-json').expect(200);
    const document = response.body as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>;
    };
    const listed: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        listed.push(`${method.toUpperCase()} ${path}`);
        assert.ok(operation.summary, `${method} ${path} has a summary`);
        assert.equal(operation.tags?.length, 1, `${method} ${path} has a tag`);
      }
    }
    const declared = servedRoutes(ctx);
    assert.ok(declared.length >= 22, `found the controllers' routes (${declared.length})`);
    assert.deepEqual(listed.sort(), declared);
    assert.deepEqual(Object.keys(OPERATION_DOCS).sort(), declared, 'no stale entries in the docs');
  });

  it('describes the main bodies with their fields and examples, and the bearer scheme', async () => {
    const { body } = await http().get('/docs-json').expect(200);
    assert.deepEqual(body.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: 'An API key (API_KEYS)',
    });
    const createJob = body.paths['/v1/jobs'].post.requestBody.content['application/json'];
    assert.deepEqual(Object.keys(createJob.examples), ['prompt', 'chat']);
    const schema = body.components.schemas.CreateJobDto;
    assert.deepEqual(schema.required, ['model']);
    assert.deepEqual(schema.properties.priority.enum, ['interactive', 'standard', 'batch']);
    for (const [path, example] of [
      ['/v1/jobs/batch', 'two'],
      ['/v1/chat/completions', 'streamed'],
      ['/v1/completions', 'prompt'],
      ['/v1/batches', 'batch'],
    ]) {
      const content = body.paths[path].post.requestBody.content['application/json'];
      assert.ok(content.examples[example], `${path} example ${example}`);
    }
    assert.ok(body.paths['/v1/files'].post.requestBody.content['multipart/form-data']);
    assert.deepEqual(body.paths['/health'].get.security, []);
    const submit = body.paths['/v1/jobs'].post.responses;
    assert.deepEqual(Object.keys(submit).sort(), ['202', '400', '401', '403', '429']);
    assert.equal(submit['202'].content['application/json'].example.state, 'queued');
    assert.deepEqual(Object.keys(body.paths['/metrics'].get.responses), ['200']);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await http().get('/docs').redirects(1).expect(200);
    assert.match(response.text, /swagger-ui/i);
  });

  it('serves /metrics without an API key, with the api series', async () => {
    await http().get('/v1/models').set('authorization', 'Bearer sk-admin-0123456789').expect(200);
    const response = await http().get('/metrics').expect(200);
    assert.match(response.headers['content-type'], /^text\/plain/);
    assert.match(
      response.text,
      /switchyard_http_requests_total\{method="GET",route="\/v1\/models",status="200",role="api"\} 1/,
    );
    assert.match(response.text, /switchyard_queue_jobs\{class="interactive",role="api"\} 0/);
    assert.match(response.text, /switchyard_process_cpu_seconds_total/);
  });
});
