import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException } from '@nestjs/common';
import { loadEnv } from '#switchyard/contracts';
import { ApiValidationPipe } from '../../common/api-validation.pipe.js';
import type { FieldError } from '../../common/field-error.js';
import { ApiEnv } from '../../config/api-env.js';
import { chatToInferenceRequest, completionToInferenceRequest } from '../openai-request.mapper.js';
import { ChatCompletionRequestDto } from './chat-completion-request.dto.js';
import { CompletionRequestDto } from './completion-request.dto.js';

const pipe = new ApiValidationPipe(loadEnv(ApiEnv, { MAX_TOKENS_LIMIT: '1000' }));

async function chat(body: unknown): Promise<ChatCompletionRequestDto> {
  return (await pipe.transform(body, {
    type: 'body',
    metatype: ChatCompletionRequestDto,
  })) as ChatCompletionRequestDto;
}

async function rejected(body: unknown, metatype: new () => object = ChatCompletionRequestDto) {
  try {
    await pipe.transform(body, { type: 'body', metatype });
  } catch (error) {
    assert.ok(error instanceof BadRequestException);
    return (error.getResponse() as { errors: FieldError[] }).errors.map((e) => e.field).sort();
  }
  assert.fail('expected a 400');
}

const messages = [{ role: 'user', content: 'hi' }];

describe('OpenAI request bodies', () => {
  it('take null for left-out fields and fill OpenAI defaults', async () => {
    const dto = await chat({
      model: 'm',
      messages,
      temperature: null,
      max_tokens: null,
      stop: null,
      n: 1,
      frequency_penalty: 0,
      tools: [],
      response_format: { type: 'text' },
      stream: false,
    });
    const request = chatToInferenceRequest(dto, 'interactive');
    assert.equal(request.temperature, 1);
    assert.equal(request.max_tokens, 128);
    assert.equal(request.stop, undefined);
    assert.equal(request.priority, 'interactive');
  });

  it('map developer messages and text parts to plain chat messages', async () => {
    const dto = await chat({
      model: 'm',
      messages: [
        { role: 'developer', content: 'rules' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
        { role: 'assistant', content: 'ok', refusal: null, annotations: [] },
      ],
      max_completion_tokens: 7,
      max_tokens: 3,
    });
    const request = chatToInferenceRequest(dto, 'batch');
    assert.deepEqual(request.messages, [
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'ab' },
      { role: 'assistant', content: 'ok' },
    ]);
    assert.equal(request.max_tokens, 7);
  });

  it('refuse what this server cannot do, naming each field', async () => {
    assert.deepEqual(
      await rejected({
        model: 'm',
        messages: [{ role: 'tool', content: 'x' }],
        n: 2,
        tools: [{ type: 'function' }],
        logprobs: true,
        stream_options: { include_usage: true },
        max_completion_tokens: 1001,
      }),
      ['logprobs', 'max_completion_tokens', 'messages[0].role', 'n', 'stream_options', 'tools'],
    );
    assert.deepEqual(
      await rejected({
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
      }),
      ['messages[0].content'],
    );
  });

  it('take a text prompt or an array of one, and default to 16 tokens like OpenAI', async () => {
    const dto = (await pipe.transform(
      { model: 'm', prompt: ['once'] },
      { type: 'body', metatype: CompletionRequestDto },
    )) as CompletionRequestDto;
    const request = completionToInferenceRequest(dto, 'standard');
    assert.equal(request.prompt, 'once');
    assert.equal(request.max_tokens, 16);
    assert.deepEqual(await rejected({ model: 'm', prompt: ['a', 'b'] }, CompletionRequestDto), [
      'prompt',
    ]);
    assert.deepEqual(await rejected({ model: 'm', prompt: [1, 2] }, CompletionRequestDto), [
      'prompt',
    ]);
    assert.deepEqual(
      await rejected({ model: 'm', prompt: 'x', echo: true, best_of: 2 }, CompletionRequestDto),
      ['best_of', 'echo'],
    );
  });
});
