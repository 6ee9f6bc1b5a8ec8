import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentsHost, Logger, NotFoundException } from '@nestjs/common';
import { ApiExceptionFilter, type ErrorBody } from './api-exception.filter.js';

function host(answer: { status?: number; body?: ErrorBody }): ArgumentsHost {
  const response = {
    headersSent: false,
    status(code: number) {
      answer.status = code;
      return this;
    },
    json(body: ErrorBody) {
      answer.body = body;
    },
  };
  const request = { method: 'GET', originalUrl: '/v1/x', url: '/v1/x' };
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
}

describe('ApiExceptionFilter', () => {
  const filter = new ApiExceptionFilter();

  it('passes HttpExceptions through with their status, message and path', () => {
    const answer: { status?: number; body?: ErrorBody } = {};
    filter.catch(new NotFoundException('job "x" not found'), host(answer));
    assert.equal(answer.status, 404);
    assert.deepEqual(answer.body, {
      statusCode: 404,
      error: 'Not Found',
      message: 'job "x" not found',
      path: '/v1/x',
    });
  });

  it('answers anything else with a 500 and an error id it logs with the stack', (t) => {
    const logged: string[] = [];
    t.mock.method(Logger.prototype, 'error', (message: string) => logged.push(message));
    const answer: { status?: number; body?: ErrorBody } = {};
    filter.catch(new Error('secret detail'), host(answer));
    assert.equal(answer.status, 500);
    assert.equal(answer.body?.message, 'internal server error');
    assert.match(answer.body?.error_id ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(logged.length, 1);
    assert.ok(logged[0].includes(answer.body!.error_id!));
    assert.ok(logged[0].includes('secret detail'));
  });
});
