import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { ErrorBody } from './api-exception.filter.js';
import type { FieldError } from './field-error.js';

/** OpenAI's error object: what its SDKs read into their typed errors. */
export interface OpenAiErrorDetails {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** The body of every error answer on the OpenAI-compatible routes. */
export interface OpenAiErrorBody {
  error: OpenAiErrorDetails;
}

/** The routes whose errors take OpenAI's shape. */
const OPENAI_ROUTES = /^\/v1\/(chat\/completions|completions|models|files|batches)(\/|\?|$)/;

/** Whether `path` (with or without a query) belongs to the OpenAI-compatible surface. */
export function isOpenAiPath(path: string): boolean {
  return OPENAI_ROUTES.test(path);
}

/**
 * An error with OpenAI's `type`, `param` and `code`. It is a plain HttpException for the
 * exception filter, which carries the three fields into the answer.
 */
export class OpenAiException extends HttpException {
  constructor(
    status: number,
    message: string,
    details: { type?: string; param?: string | null; code?: string | null } = {},
  ) {
    super(
      {
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message,
        openai: { type: details.type ?? openAiErrorType(status), ...details },
      },
      status,
    );
  }
}

/** OpenAI's error `type` for an HTTP status. */
export function openAiErrorType(status: number): string {
  if (status >= 500) return 'server_error';
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 429:
      return 'rate_limit_error';
    default:
      return 'invalid_request_error';
  }
}

/**
 * Rewrites a native error body into OpenAI's `{error: {message, type, param, code}}`: a 400 from
 * validation names its first bad field as `param` and every bad field in the message.
 */
export function toOpenAiError(body: ErrorBody): OpenAiErrorBody {
  const hint = (body.openai ?? {}) as Partial<Omit<OpenAiErrorDetails, 'message'>>;
  let message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
  let param = hint.param ?? null;
  let code = hint.code ?? null;
  const fields = (body.errors ?? []) as FieldError[];
  if (fields.length > 0) {
    message = fields.map(describeFieldError).join('; ');
    param = fields[0].field;
    if (isUnknownField(fields[0])) code = 'unknown_parameter';
  }
  if (body.error_id) message = `${message} (error id ${body.error_id})`;
  return {
    error: { message, type: hint.type ?? openAiErrorType(body.statusCode), param, code },
  };
}

function isUnknownField(error: FieldError): boolean {
  return error.messages.some((m) => m.endsWith('should not exist'));
}

function describeFieldError(error: FieldError): string {
  if (isUnknownField(error)) return `Unrecognized request argument supplied: ${error.field}`;
  const text = error.messages.join(', ');
  // class-validator names the property, not its path: add the path for nested fields.
  return /[.[]/.test(error.field) ? `${error.field}: ${text}` : text;
}
