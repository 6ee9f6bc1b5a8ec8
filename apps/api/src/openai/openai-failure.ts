import type { JobState } from '#switchyard/contracts';
import {
  OpenAiException,
  openAiErrorType,
  type OpenAiErrorDetails,
} from '../common/openai-error.js';

/** The worker's failure message when prompt plus max_tokens exceed a slot's context. */
const CONTEXT_OVERFLOW = /tokens needed, a slot holds/;

/** How a job that did not complete is answered: an HTTP status and OpenAI's error object. */
export interface CompletionFailure {
  status: number;
  error: OpenAiErrorDetails;
}

/**
 * The answer for a job that ended `cancelled` or `failed` (with `reason`): a prompt too long for
 * the context is the caller's 400, a cancel a 409, anything else the server's 500.
 */
export function completionFailure(
  state: JobState,
  reason: string | null,
  jobId: string,
): CompletionFailure {
  if (state === 'cancelled') {
    return failure(409, `the request's job ${jobId} was cancelled`, null, 'request_cancelled');
  }
  const why = reason || 'unknown error';
  if (CONTEXT_OVERFLOW.test(why)) {
    return failure(
      400,
      `the prompt and max_tokens do not fit the model's context: ${why}`,
      'messages',
      'context_length_exceeded',
    );
  }
  return failure(500, `the request's job ${jobId} failed: ${why}`, null, null);
}

/** The failure as an exception the exception filter answers. */
export function failureException(failure: CompletionFailure): OpenAiException {
  const { message, ...details } = failure.error;
  return new OpenAiException(failure.status, message, details);
}

function failure(
  status: number,
  message: string,
  param: string | null,
  code: string | null,
): CompletionFailure {
  return { status, error: { message, type: openAiErrorType(status), param, code } };
}
