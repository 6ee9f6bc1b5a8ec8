import { createReadStream } from 'node:fs';

const NEWLINE = 0x0a;

/** One non-blank line of a JSONL file: its text, or `oversized` when it was too long to read. */
export type JsonlLine =
  | { line: number; text: string; oversized?: undefined }
  | { line: number; text?: undefined; oversized: true };

/**
 * Streams the non-blank lines of a file with their 1-based physical line numbers, holding one
 * line at a time; a line longer than `maxLineBytes` is reported as oversized instead of read.
 */
export async function* readJsonlLines(
  path: string,
  maxLineBytes: number,
): AsyncGenerator<JsonlLine> {
  let parts: Buffer[] = [];
  let length = 0;
  let oversized = false;
  let line = 0;
  const finish = (): JsonlLine | undefined => {
    line++;
    const result: JsonlLine | undefined = oversized
      ? { line, oversized: true }
      : lineOf(line, parts.length === 1 ? parts[0] : Buffer.concat(parts));
    parts = [];
    length = 0;
    oversized = false;
    return result;
  };
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      const piece = chunk.subarray(start, end < 0 ? chunk.length : end);
      if (!oversized) {
        length += piece.length;
        if (length > maxLineBytes) {
          oversized = true;
          parts = [];
        } else if (piece.length > 0) {
          parts.push(piece);
        }
      }
      if (end < 0) break;
      const done = finish();
      if (done) yield done;
      start = end + 1;
    }
  }
  if (length > 0 || oversized) {
    const done = finish();
    if (done) yield done;
  }
}

function lineOf(line: number, bytes: Buffer): JsonlLine | undefined {
  const text = bytes.toString('utf8');
  return text.trim() === ''
    ? undefined
    : { line, text: text.endsWith('\r') ? text.slice(0, -1) : text };
}
