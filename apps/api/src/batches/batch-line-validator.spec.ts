import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundException } from '@nestjs/common';
import { loadEnv } from '#switchyard/contracts';
import { ApiEnv } from '../config/api-env.js';
import { BatchLineValidator, isLineProblem, type LineProblem } from './batch-line-validator.js';

const env = loadEnv(ApiEnv, {});
const models = {
  require: async (name: string) => {
    if (name !== 'm') throw new NotFoundException(`model "${name}" not found; available models: m`);
    return {} as never;
  },
};

/** Every prompt fits, except one that says "too long". */
const fits = {
  problem: async (request: { prompt?: string }) =>
    request.prompt === 'too long'
      ? { field: 'prompt', messages: ['prompt is 9000 tokens of model "m"; it cannot fit'] }
      : undefined,
};

function line(customId: unknown, body: unknown, url = '/v1/chat/completions', method = 'POST') {
  return JSON.stringify({ custom_id: customId, method, url, body });
}

const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 };

async function problemOf(validator: BatchLineValidator, n: number, text: string) {
  const result = await validator.check(n, text);
  assert.ok(isLineProblem(result), `line ${n} should be refused`);
  return result as LineProblem;
}

describe('BatchLineValidator', () => {
  it('accepts a valid line as a batch-class request', async () => {
    const validator = new BatchLineValidator('/v1/chat/completions', env, models, fits);
    const result = await validator.check(1, line('a', { ...body, priority: 'interactive' }));
    assert.ok(!isLineProblem(result));
    assert.equal(result.customId, 'a');
    assert.equal(result.request.priority, 'batch');
    assert.equal(result.request.max_tokens, 3);
  });

  it('names the reason of each bad line, with its line number', async () => {
    const validator = new BatchLineValidator('/v1/chat/completions', env, models, fits);
    await validator.check(1, line('a', body));
    const cases: [string, string, RegExp][] = [
      ['{"custom_id":', 'invalid_json', /^line 2 is not valid JSON/],
      ['[1, 2]', 'invalid_json', /must be a JSON object/],
      [line(42, body), 'missing_custom_id', /custom_id must be a non-empty string/],
      [line('a', body), 'duplicate_custom_id', /"a" is used already on line 1/],
      [line('b', body, '/v1/completions'), 'invalid_url', /url must be "\/v1\/chat\/completions"/],
      [line('c', body, '/v1/chat/completions', 'GET'), 'invalid_method', /method must be "POST"/],
      [line('d', 'text'), 'invalid_body', /body must be a JSON object/],
      [line('e', { ...body, messages: [] }), 'invalid_body', /body\.messages/],
      [line('f', { ...body, stream: true }), 'invalid_body', /stream is not supported/],
      [line('g', { ...body, model: 'x' }), 'model_not_found', /model "x" not found/],
      [
        line('h', { ...body, max_tokens: 99_999 }),
        'invalid_body',
        /max_tokens must not be greater/,
      ],
    ];
    for (const [i, [text, code, message]] of cases.entries()) {
      const n = i + 2;
      const problem = await problemOf(validator, n, text);
      assert.equal(problem.code, code, text);
      assert.match(problem.message, message, text);
      assert.match(problem.message, new RegExp(`^line ${n}`));
    }
    assert.equal(
      (await problemOf(validator, 20, line('b', body, '/x'))).code,
      'duplicate_custom_id',
    );
  });

  it('checks text completion lines against the completions body', async () => {
    const validator = new BatchLineValidator('/v1/completions', env, models, fits);
    const result = await validator.check(
      1,
      line('a', { model: 'm', prompt: 'x' }, '/v1/completions'),
    );
    assert.ok(!isLineProblem(result));
    assert.equal(result.request.prompt, 'x');
    const problem = await problemOf(
      validator,
      2,
      line('b', { model: 'm', messages: body.messages }, '/v1/completions'),
    );
    assert.match(problem.message, /body\.messages: unrecognized argument/);
  });

  it('refuses a prompt that cannot fit the context as context_length_exceeded', async () => {
    const validator = new BatchLineValidator('/v1/completions', env, models, fits);
    const text = line('long', { model: 'm', prompt: 'too long', max_tokens: 3 }, '/v1/completions');
    const result = await problemOf(validator, 7, text);
    assert.deepEqual(result, {
      code: 'context_length_exceeded',
      message: 'line 7: body.prompt: prompt is 9000 tokens of model "m"; it cannot fit',
      param: 'body.prompt',
      customId: 'long',
    });
  });
});
