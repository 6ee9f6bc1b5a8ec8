import type { FileHandle } from 'node:fs/promises';

/**
 * Streams a file through two fixed buffers: one is filled while the other is being written, so
 * generation and disk I/O overlap and memory stays at two chunks whatever the file size.
 * Each chunk starts at a file offset that is a multiple of `alignment`, so data aligned in the
 * file is aligned in the buffer too and can be filled through Float32Array/Uint16Array views.
 */
export class ChunkedFileWriter {
  private readonly buffers: [Uint8Array, Uint8Array];
  private current = 0;
  private fill = 0;
  private chunkStart = 0;
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  private flushed = 0;

  /** `onWritten` gets the number of bytes that reached the file after each write. */
  constructor(
    private readonly file: FileHandle,
    chunkBytes: number,
    private readonly alignment: number,
    private readonly onWritten?: (bytesWritten: number) => void,
  ) {
    // Own ArrayBuffers (byteOffset 0) keep typed-array views over them aligned.
    this.buffers = [new Uint8Array(chunkBytes), new Uint8Array(chunkBytes)];
  }

  /** Bytes handed to the writer so far (written or still buffered). */
  get position(): number {
    return this.chunkStart + this.fill;
  }

  /** Returns a buffer and offset with `length` writable bytes; call `commit(length)` after filling. */
  async reserve(length: number): Promise<{ buffer: Uint8Array; offset: number }> {
    const capacity = this.buffers[0].length;
    if (length > capacity - this.alignment) {
      throw new Error(`cannot reserve ${length} bytes in chunks of ${capacity}`);
    }
    if (this.fill + length > capacity) await this.flush(false);
    return { buffer: this.buffers[this.current], offset: this.fill };
  }

  /** Marks `length` reserved bytes as filled. */
  commit(length: number): void {
    this.fill += length;
  }

  /** Copies `bytes` into the stream, across as many chunks as needed. */
  async write(bytes: Uint8Array): Promise<void> {
    const step = this.buffers[0].length - this.alignment;
    for (let start = 0; start < bytes.length; start += step) {
      const part = bytes.subarray(start, Math.min(bytes.length, start + step));
      const { buffer, offset } = await this.reserve(part.length);
      buffer.set(part, offset);
      this.commit(part.length);
    }
  }

  /** Appends zeros up to the next multiple of `alignment` of the file position. */
  async padTo(alignment: number): Promise<void> {
    const padding = (alignment - (this.position % alignment)) % alignment;
    if (padding === 0) return;
    const { buffer, offset } = await this.reserve(padding);
    buffer.fill(0, offset, offset + padding);
    this.commit(padding);
  }

  /** Writes everything still buffered and waits for it; the caller closes the file. */
  async finish(): Promise<void> {
    await this.flush(true);
    await this.pending;
    this.throwIfFailed();
  }

  private async flush(all: boolean): Promise<void> {
    // The other buffer is reused below: its write must be done first.
    await this.pending;
    this.throwIfFailed();
    const buffer = this.buffers[this.current];
    const next = this.buffers[1 - this.current];
    // Keep the unaligned tail for the next chunk so that chunk starts on an aligned offset.
    const length = all ? this.fill : this.fill - (this.fill % this.alignment);
    const tail = this.fill - length;
    next.set(buffer.subarray(length, this.fill), 0);
    const position = this.chunkStart;
    // Failures are stored, not left as a rejected promise nobody awaits yet.
    this.pending = this.writeFully(buffer, length, position).catch((error: unknown) => {
      this.failure = error;
    });
    this.chunkStart += length;
    this.fill = tail;
    this.current = 1 - this.current;
  }

  private async writeFully(buffer: Uint8Array, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await this.file.write(buffer, done, length - done, position + done);
      done += bytesWritten;
    }
    this.flushed += length;
    this.onWritten?.(this.flushed);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
