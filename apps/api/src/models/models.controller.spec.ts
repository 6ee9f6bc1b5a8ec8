import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import {
  startApiTestContext,
  TINY_SHAPE,
  type ApiTestContext,
} from '../testing/api-test-context.js';

describe('ModelsController', () => {
  let ctx: ApiTestContext;

  before(async () => {
    ctx = await startApiTestContext(['tiny', 'alpha']);
  });

  after(async () => {
    await ctx.close();
  });

  it('lists the models OpenAI-style with their GGUF metadata', async () => {
    const response = await request(ctx.app.getHttpServer()).get('/v1/models').expect(200);
    assert.equal(response.body.object, 'list');
    assert.deepEqual(
      response.body.data.map((m: { id: string }) => m.id),
      ['alpha', 'tiny'],
    );
    const tiny = response.body.data[1];
    assert.equal(tiny.object, 'model');
    assert.equal(tiny.owned_by, 'switchyard');
    assert.ok(Number.isInteger(tiny.created) && tiny.created > 1_600_000_000);
    assert.ok(Math.abs(tiny.created - Date.now() / 1000) < 3600);
    assert.equal(tiny.layers, TINY_SHAPE.layers);
    assert.equal(tiny.quantization, 'Q8_0');
    assert.equal(tiny.context_length, TINY_SHAPE.contextLength);
    assert.ok(tiny.parameters > 0);
    assert.ok(tiny.bytes > 0);
  });
});
