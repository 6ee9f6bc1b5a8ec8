/** Growable little-endian byte sink; the header is small (vocabulary included) so it lives in memory. */
export class ByteSink {
  private bytes = new Uint8Array(1 << 16);
  private view = new DataView(this.bytes.buffer);
  private length = 0;
  private readonly encoder = new TextEncoder();

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends an unsigned 32-bit integer. */
  u32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** Appends a signed 32-bit integer. */
  i32(value: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  /** Appends an unsigned 64-bit integer (GGUF lengths, counts and offsets). */
  u64(value: number): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  /** Appends a 32-bit float. */
  f32(value: number): void {
    this.ensure(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  /** Appends one byte. */
  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** Appends bytes as they are. */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** Appends a GGUF string: u64 byte length, then UTF-8 without terminator. */
  string(value: string): void {
    const encoded = this.encoder.encode(value);
    this.u64(encoded.length);
    this.raw(encoded);
  }

  /** Appends zeros up to the next multiple of `alignment`. */
  padTo(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    this.ensure(padding);
    this.bytes.fill(0, this.length, this.length + padding);
    this.length += padding;
  }

  /** A copy of the bytes written so far. */
  contents(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
