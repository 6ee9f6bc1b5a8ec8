import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentsHost, BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { ApiExceptionFilter } from './api-exception.filter.js';
import { isOpenAiPath, OpenAiException, toOpenAiError } from './openai-error.js';

function answerFor(exception: unknown, path: string): { status?: number; body?: unknown } {
  const answer: { status?: number; body?: unknown } = {};
  const response = {
    headersSent: false,
    status(code: number) {
      answer.status = code;
      return this;
    },
    json(body: unknown) {
      answer.body = body;
    },
  };
  const request = { method: 'POST', originalUrl: path, url: path };
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new ApiExceptionFilter().catch(exception, host);
  return answer;
}

describe('OpenAI error bodies', () => {
  it('covers the OpenAI routes and no others', () => {
    for (const path of [
      '/v1/chat/completions',
      '/v1/completions',
      '/v1/models/x',
      '/v1/files?limit=2',
      '/v1/batches/b/cancel',
    ]) {
      assert.ok(isOpenAiPath(path), path);
    }
    for (const path of ['/v1/jobs', '/v1/jobs/batch', '/v1/workers', '/health', '/v1/filesystem']) {
      assert.ok(!isOpenAiPath(path), path);
    }
  });

  it('names the first bad field as param and every bad field in the message', () => {
    const exception = new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid request body',
      errors: [
        { field: 'temperature', messages: ['temperature must not be greater than 2'] },
        { field: 'messages[0].role', messages: ['role must be one of system, user'] },
      ],
    });
    const answer = answerFor(exception, '/v1/chat/completions');
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      error: {
        message:
          'temperature must not be greater than 2; messages[0].role: role must be one of system, user',
        type: 'invalid_request_error',
        param: 'temperature',
        code: null,
      },
    });
  });

  it('reports an unknown field as OpenAI does', () => {
    const body = toOpenAiError({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid request body',
      path: '/v1/completions',
      errors: [{ field: 'colour', messages: ['property colour should not exist'] }],
    });
    assert.deepEqual(body.error, {
      message: 'Unrecognized request argument supplied: colour',
      type: 'invalid_request_error',
      param: 'colour',
      code: 'unknown_parameter',
    });
  });

  it('keeps the type, param and code of an OpenAiException', () => {
    const answer = answerFor(
      new OpenAiException(404, 'The model x does not exist', {
        param: 'model',
        code: 'model_not_found',
      }),
      '/v1/models/x',
    );
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, {
      error: {
        message: 'The model x does not exist',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    });
  });

  it('leaves the native routes their own body', () => {
    const answer = answerFor(new NotFoundException('job "x" not found'), '/v1/jobs/x');
    assert.deepEqual(answer.body, {
      statusCode: 404,
      error: 'Not Found',
      message: 'job "x" not found',
      path: '/v1/jobs/x',
    });
  });

  it('answers an unexpected error with a server_error naming its error id', (t) => {
    t.mock.method(Logger.prototype, 'error', () => undefined);
    const answer = answerFor(new Error('secret'), '/v1/batches');
    assert.equal(answer.status, 500);
    const { error } = answer.body as { error: { message: string; type: string } };
    assert.equal(error.type, 'server_error');
    assert.match(error.message, /^internal server error \(error id [0-9a-f-]{36}\)$/);
  });
});
