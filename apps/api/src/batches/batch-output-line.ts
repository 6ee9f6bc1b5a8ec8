import type { BatchEnding } from './batch-record.js';

/** One line of a batch's output or error file, as OpenAI writes them. */
export interface BatchOutputLine {
  id: string;
  custom_id: string | null;
  response: { status_code: number; request_id: string; body: unknown } | null;
  error: { code: string; message: string; line: number } | null;
}

/** The id of a batch's request on `line`: stable, so a line written twice is recognised. */
export function batchRequestId(batchId: string, line: number): string {
  return `batch_req_${batchId.replace(/^batch_/, '')}_${line}`;
}

/** The input line a batch request id names. */
export function lineOfRequestId(id: string): number | undefined {
  const match = /_(\d+)$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/** An answered request: its HTTP status and body, as the endpoint would have answered. */
export function responseLine(
  batchId: string,
  line: number,
  customId: string,
  jobId: string,
  statusCode: number,
  body: unknown,
): BatchOutputLine {
  return {
    id: batchRequestId(batchId, line),
    custom_id: customId,
    response: { status_code: statusCode, request_id: jobId, body },
    error: null,
  };
}

/** A line that produced no response: a bad line, or a request that never ran. */
export function errorLine(
  batchId: string,
  line: number,
  customId: string | null,
  code: string,
  message: string,
): BatchOutputLine {
  return {
    id: batchRequestId(batchId, line),
    custom_id: customId,
    response: null,
    error: { code, message, line },
  };
}

/** The error line of a request that did not finish because the batch ended early (or it was cancelled). */
export function unrunLine(
  batchId: string,
  line: number,
  customId: string,
  ending: BatchEnding | undefined,
): BatchOutputLine {
  switch (ending) {
    case 'expired':
      return errorLine(
        batchId,
        line,
        customId,
        'batch_expired',
        'This request could not be executed before the completion window expired.',
      );
    case 'cancelled':
      return errorLine(
        batchId,
        line,
        customId,
        'batch_cancelled',
        'This request was not executed because the batch was cancelled.',
      );
    default:
      return errorLine(batchId, line, customId, 'cancelled', "This request's job was cancelled.");
  }
}

/** A line as written to a file. */
export function serializeLine(line: BatchOutputLine): string {
  return `${JSON.stringify(line)}\n`;
}
