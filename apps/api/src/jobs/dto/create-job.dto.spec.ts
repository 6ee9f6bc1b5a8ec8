import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { loadEnv } from '#switchyard/contracts';
import { ApiValidationPipe } from '../../common/api-validation.pipe.js';
import type { FieldError } from '../../common/field-error.js';
import { ApiEnv } from '../../config/api-env.js';
import { CreateJobDto } from './create-job.dto.js';

const env = loadEnv(ApiEnv, { MAX_TOKENS_LIMIT: '1000' });
const pipe = new ApiValidationPipe(env);
const metadata: ArgumentMetadata = { type: 'body', metatype: CreateJobDto };

async function validate(body: unknown): Promise<CreateJobDto> {
  return (await pipe.transform(body, metadata)) as CreateJobDto;
}

/** The rejected fields of `body`, by path. */
async function rejected(body: unknown): Promise<Map<string, string[]>> {
  try {
    await validate(body);
  } catch (error) {
    assert.ok(error instanceof BadRequestException);
    const answer = error.getResponse() as { message: string; errors: FieldError[] };
    assert.equal(answer.message, 'invalid request body');
    return new Map(answer.errors.map((e) => [e.field, e.messages]));
  }
  assert.fail('expected a 400');
}

describe('CreateJobDto', () => {
  it('accepts a prompt request and fills the defaults', async () => {
    const dto = await validate({ model: 'm', prompt: 'hello' });
    assert.ok(dto instanceof CreateJobDto);
    assert.equal(dto.max_tokens, 128);
    assert.equal(dto.temperature, 0.8);
    assert.equal(dto.priority, 'standard');
    assert.equal(dto.top_p, undefined);
  });

  it('accepts a chat request with every optional field', async () => {
    const dto = await validate({
      model: 'm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 1000,
      temperature: 0,
      top_p: 1,
      seed: 7,
      stop: ['a', 'b', 'c', 'd'],
      priority: 'batch',
    });
    assert.equal(dto.messages?.length, 2);
    assert.equal(dto.max_tokens, 1000);
    assert.deepEqual(dto.stop, ['a', 'b', 'c', 'd']);
  });

  it('reports every bad field at once', async () => {
    const errors = await rejected({
      model: 42,
      prompt: 'x',
      max_tokens: 1001,
      temperature: 2.5,
      top_p: 0,
      seed: 1.5,
      stop: ['a', 'b', 'c', 'd', 'e'],
      priority: 'urgent',
      best_of: 3,
    });
    assert.deepEqual(
      [...errors.keys()].sort(),
      ['best_of', 'max_tokens', 'model', 'priority', 'seed', 'stop', 'temperature', 'top_p'].sort(),
    );
    assert.match(errors.get('max_tokens')!.join(), /not be greater than 1000/);
    assert.match(errors.get('best_of')!.join(), /should not exist/);
  });

  it('rejects wrong types instead of converting them', async () => {
    const errors = await rejected({
      model: 'm',
      prompt: 'x',
      max_tokens: '12',
      temperature: '0.5',
      priority: 1,
      stop: 5,
    });
    assert.deepEqual([...errors.keys()].sort(), ['max_tokens', 'priority', 'stop', 'temperature']);
  });

  it('rejects out-of-range max_tokens and temperature, and null for a defaulted field', async () => {
    assert.deepEqual(
      [...(await rejected({ model: 'm', prompt: 'x', max_tokens: 0 })).keys()],
      ['max_tokens'],
    );
    assert.deepEqual(
      [...(await rejected({ model: 'm', prompt: 'x', temperature: -0.1 })).keys()],
      ['temperature'],
    );
    assert.deepEqual(
      [...(await rejected({ model: 'm', prompt: 'x', max_tokens: null })).keys()],
      ['max_tokens'],
    );
  });

  it('wants exactly one of prompt and messages', async () => {
    const both = await rejected({
      model: 'm',
      prompt: 'x',
      messages: [{ role: 'user', content: 'y' }],
    });
    assert.deepEqual(both.get('prompt'), ['give either prompt or messages, not both']);
    const neither = await rejected({ model: 'm' });
    assert.deepEqual(neither.get('prompt'), ['either prompt or messages is required']);
    const empty = await rejected({ model: 'm', prompt: '' });
    assert.deepEqual([...empty.keys()], ['prompt']);
  });

  it('names nested message fields by path', async () => {
    const errors = await rejected({
      model: 'm',
      messages: [
        { role: 'user', content: 'ok' },
        { role: 'robot', content: 3, name: 'x' },
      ],
    });
    assert.deepEqual([...errors.keys()].sort(), [
      'messages[1].content',
      'messages[1].name',
      'messages[1].role',
    ]);
    assert.deepEqual([...(await rejected({ model: 'm', messages: [] })).keys()], ['messages']);
  });

  it('accepts one stop string and rejects five', async () => {
    assert.equal((await validate({ model: 'm', prompt: 'x', stop: '\n' })).stop, '\n');
    const errors = await rejected({ model: 'm', prompt: 'x', stop: ['1', '2', '3', '4', '5'] });
    assert.deepEqual([...errors.keys()], ['stop']);
  });

  it('rejects a body that is not an object', async () => {
    assert.deepEqual([...(await rejected([{ model: 'm', prompt: 'x' }])).keys()], ['body']);
  });
});
