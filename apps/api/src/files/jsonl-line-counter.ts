import { Transform, type TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;
const BLANKS = new Set([0x0d, 0x20, 0x09]);

/** Raised by JsonlLineCounter when a file holds more lines than allowed. */
export class TooManyLinesError extends Error {
  constructor(readonly maxLines: number) {
    super(`the file holds more than ${maxLines} lines`);
    this.name = 'TooManyLinesError';
  }
}

/**
 * Passes a file through while counting its bytes and its non-blank lines; fails with
 * TooManyLinesError as soon as the lines exceed `maxLines`, so a long upload stops early.
 */
export class JsonlLineCounter extends Transform {
  bytes = 0;
  lines = 0;
  private lineHasText = false;

  constructor(private readonly maxLines: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === NEWLINE) {
        if (this.lineHasText && !this.countLine())
          return done(new TooManyLinesError(this.maxLines));
        this.lineHasText = false;
      } else if (!this.lineHasText && !BLANKS.has(byte)) {
        this.lineHasText = true;
      }
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.lineHasText && !this.countLine()) return done(new TooManyLinesError(this.maxLines));
    done();
  }

  private countLine(): boolean {
    this.lines++;
    return this.lines <= this.maxLines;
  }
}
