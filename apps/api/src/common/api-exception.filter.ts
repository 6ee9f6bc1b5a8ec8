import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { TenantQuota, TenantQuotaExceeded } from '../auth/tenant-quota.js';
import { isOpenAiPath, toOpenAiError } from './openai-error.js';

/** The body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  path: string;
  /** Only on 500s: the id under which the error and its stack were logged. */
  error_id?: string;
  [extra: string]: unknown;
}

/** The error an Express body parser raises (http-errors: `status`, `type`, `expose`). */
interface BodyParserError extends Error {
  status: number;
  type: string;
  expose: boolean;
}

/**
 * The one place errors become HTTP answers: HttpExceptions pass through with their status and
 * message (and extra fields such as `errors`), body parser errors keep their 4xx status, and
 * anything else is a 500 with an `error_id` that is logged with the stack. On the
 * OpenAI-compatible routes the same answer takes OpenAI's `{error: {message, type, param, code}}`.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  /** Writes the error answer, or ends a response already streaming (server-sent events). */
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = this.toBody(exception, request);
    if (response.headersSent) {
      // A stream already under way cannot change its status; toBody logged a 500 already.
      response.end();
      return;
    }
    if (exception instanceof TenantQuotaExceeded) {
      response.setHeader('retry-after', String(TenantQuota.retryAfterSeconds));
    }
    response.status(body.statusCode).json(isOpenAiPath(body.path) ? toOpenAiError(body) : body);
  }

  private toBody(exception: unknown, request: Request): ErrorBody {
    const path = request.originalUrl ?? request.url;
    // Nest wraps body parser errors in HttpExceptions; the parser's own error is the cause.
    const parserError = isBodyParserError(exception)
      ? exception
      : exception instanceof HttpException && isBodyParserError(exception.cause)
        ? exception.cause
        : undefined;
    if (parserError) {
      const message =
        parserError.type === 'entity.parse.failed'
          ? `malformed JSON body: ${parserError.message}`
          : parserError.message;
      return {
        statusCode: parserError.status,
        error: statusText(parserError.status),
        message,
        path,
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const answer = exception.getResponse();
      if (typeof answer === 'string') {
        return { statusCode, error: statusText(statusCode), message: answer, path };
      }
      // Extra fields (the `errors` of a 400) come along; the four fixed ones are ours.
      const {
        statusCode: _statusCode,
        error,
        message,
        path: _path,
        ...extra
      } = answer as Record<string, unknown>;
      return {
        statusCode,
        error: typeof error === 'string' ? error : statusText(statusCode),
        message: (message as string | string[] | undefined) ?? exception.message,
        ...extra,
        path,
      };
    }
    const errorId = randomUUID();
    const error = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error(`${errorId} ${request.method} ${path}: ${error.message}`, error.stack);
    return {
      statusCode: 500,
      error: statusText(500),
      message: 'internal server error',
      error_id: errorId,
      path,
    };
  }
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

function isBodyParserError(value: unknown): value is BodyParserError {
  if (!(value instanceof Error)) return false;
  const error = value as Partial<BodyParserError>;
  return (
    typeof error.type === 'string' &&
    error.expose === true &&
    typeof error.status === 'number' &&
    error.status >= 400 &&
    error.status < 500
  );
}
