import busboy from 'busboy';
import type { Request } from 'express';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { OpenAiException } from '../common/openai-error.js';
import { JsonlLineCounter, TooManyLinesError } from './jsonl-line-counter.js';

/** Bounds of one upload. */
export interface UploadLimits {
  maxBytes: number;
  maxLines: number;
}

/** The `file` part of an upload, written to disk. */
export interface UploadedFile {
  filename: string;
  bytes: number;
  lines: number;
  /** Where its content was written. */
  path: string;
}

/** A multipart upload: its text fields, and its `file` part when there was one. */
export interface ReceivedUpload {
  fields: Record<string, string>;
  file?: UploadedFile;
}

/**
 * Streams a multipart/form-data request: the `file` part goes to `path` (never held in memory)
 * while its bytes and lines are counted; other parts are text fields. Stops reading at the first
 * broken limit and throws an OpenAiException (413 too large, 400 otherwise); `path` is then gone.
 */
export function receiveUpload(
  request: Request,
  limits: UploadLimits,
  path: string,
): Promise<ReceivedUpload> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
      limits: { files: 1, fileSize: limits.maxBytes, fields: 20, fieldSize: 64 * 1024, parts: 30 },
    });
  } catch (error) {
    return Promise.reject(
      new OpenAiException(400, `expected a multipart/form-data body: ${(error as Error).message}`),
    );
  }
  return new Promise<ReceivedUpload>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Promise<UploadedFile> | undefined;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      parser.destroy();
      void rm(path, { force: true }).finally(() => reject(uploadError(error, limits)));
    };
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      const counter = new JsonlLineCounter(limits.maxLines);
      stream.on('limit', () => stream.destroy(new FileTooLargeError()));
      file = pipeline(stream, counter, createWriteStream(path, { flags: 'wx' })).then(() => ({
        filename: info.filename,
        bytes: counter.bytes,
        lines: counter.lines,
        path,
      }));
      file.catch(fail);
    });
    parser.on('error', fail);
    parser.on('close', () => {
      if (settled) return;
      (file ?? Promise.resolve(undefined)).then((uploaded) => {
        if (settled) return;
        settled = true;
        resolve({ fields, file: uploaded });
      }, fail);
    });
    request.on('close', () => {
      if (!request.complete) fail(new Error('the client closed the connection during the upload'));
    });
    request.pipe(parser);
  });
}

class FileTooLargeError extends Error {}

function uploadError(error: unknown, limits: UploadLimits): OpenAiException {
  if (error instanceof OpenAiException) return error;
  if (error instanceof FileTooLargeError) {
    return new OpenAiException(
      413,
      `File is too large: at most ${limits.maxBytes} bytes are accepted`,
      {
        param: 'file',
        code: 'file_too_large',
      },
    );
  }
  if (error instanceof TooManyLinesError) {
    return new OpenAiException(
      400,
      `The file holds more than ${limits.maxLines} requests (lines); split it into several batches`,
      { param: 'file', code: 'too_many_lines' },
    );
  }
  return new OpenAiException(
    400,
    `malformed multipart/form-data body: ${(error as Error).message}`,
  );
}
