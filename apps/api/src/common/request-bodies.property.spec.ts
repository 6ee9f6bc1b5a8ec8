import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';

/** A valid body of each endpoint that creates work, for fields to be swapped out of. */
const VALID: Record<string, Record<string, unknown>> = {
  '/v1/jobs': { model: 'tiny', prompt: 'hi', max_tokens: 2, priority: 'batch' },
  '/v1/jobs/batch': { jobs: [{ model: 'tiny', prompt: 'hi', max_tokens: 2 }] },
  '/v1/chat/completions': {
    model: 'tiny',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 2,
  },
  '/v1/completions': { model: 'tiny', prompt: 'hi', max_tokens: 2 },
  '/v1/batches': {
    input_file_id: 'file-x',
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  },
};

/** Values that have broken JSON apis before: wrong types, extremes, prototype keys, huge ones. */
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    '',
    '\u0000',
    '\ud800',
    'tiny\n',
    '__proto__',
    'constructor',
  ),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.constant({ __proto__: { polluted: true } }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {}}}')),
  fc.constant('x'.repeat(1 << 20)),
  fc.constant(Array.from({ length: 10_000 }, () => ({ role: 'user', content: 'a' }))),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
);

/** A body: a valid one with fields swapped, added or removed, or anything at all. */
function bodies(path: string): fc.Arbitrary<unknown> {
  const valid = VALID[path];
  const fields = Object.keys(valid);
  const mutated = fc
    .tuple(
      fc.dictionary(fc.constantFrom(...fields, 'extra', '__proto__', 'prompt', 'messages'), nasty, {
        maxKeys: 3,
      }),
      fc.subarray(fields),
    )
    .map(([changes, removed]) => {
      const body: Record<string, unknown> = { ...valid };
      for (const field of removed) delete body[field];
      for (const [field, value] of Object.entries(changes)) {
        Object.defineProperty(body, field, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return body;
    });
  return fc.oneof(mutated, nasty, fc.anything({ maxDepth: 3 }));
}

/** Raw bodies no JSON parser should choke on with a 500: broken syntax, deep nesting, bad UTF-8. */
const rawBodies = fc.oneof(
  fc.string({ maxLength: 50 }).map((text) => Buffer.from(text)),
  fc.constant(Buffer.from('['.repeat(100_000))),
  fc.constant(Buffer.from(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
  fc.constant(Buffer.from('{"model": "tiny", "prompt": "hi", "max_tokens": 1e999}')),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);

// Property: whatever the body, the api answers below 500, and a 4xx leaves the queue as it was.
describe('request bodies (property-based)', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());

  before(async () => {
    ctx = await startApiTestContext(['tiny']);
  });

  after(async () => {
    await ctx?.close();
  });

  async function queued(): Promise<number> {
    const counts = await ctx.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async function post(path: string, body: Buffer): Promise<number> {
    try {
      const answer = await http()
        .post(path)
        .set('content-type', 'application/json')
        .timeout(3000)
        .send(body);
      return answer.status;
    } catch (error) {
      // A valid completion waits for a worker that this test does not run: it was accepted.
      if ((error as { timeout?: number }).timeout) return 200;
      throw error;
    }
  }

  for (const path of Object.keys(VALID)) {
    it(`POST ${path}: never a 500, and a 4xx enqueues nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            bodies(path).map((b) => Buffer.from(JSON.stringify(b) ?? 'null')),
            rawBodies,
          ),
          async (body) => {
            const before = await queued();
            const status = await post(path, body);
            assert.ok(status < 500, `answered ${status} to ${body.subarray(0, 200).toString()}`);
            if (status >= 400) assert.equal(await queued(), before, `a ${status} enqueued a job`);
          },
        ),
        { numRuns: 100, seed: 20261127 },
      );
      assert.equal(
        ({} as Record<string, unknown>).polluted,
        undefined,
        'Object.prototype polluted',
      );
    });
  }
});
