import { ByteSink } from './byte-sink.js';

/** GGUF metadata value types (the u32 written before each value). */
const VALUE_TYPE = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;

/** ggml tensor type ids for the types this writer emits. */
export const GGML_TYPE_ID = { F32: 0, F16: 1, Q8_0: 8 } as const;

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const GGUF_VERSION = 3;

/** One entry of the tensor info table. */
export interface TensorInfoEntry {
  name: string;
  /** Innermost first: dims[0] is the row length. */
  dims: readonly number[];
  ggmlType: number;
  /** Offset from the start of the data section (aligned). */
  offset: number;
}

/**
 * Builds a GGUF v3 header (magic, counts, metadata, tensor infos, padding up to the data section).
 * Metadata keys are written in the order they were added.
 */
export class GgufHeaderWriter {
  private readonly metadata = new ByteSink();
  private metadataCount = 0;
  private readonly tensors: TensorInfoEntry[] = [];

  private key(key: string, type: number): ByteSink {
    this.metadataCount++;
    this.metadata.string(key);
    this.metadata.u32(type);
    return this.metadata;
  }

  /** Adds a UTF-8 string value. */
  string(key: string, value: string): this {
    this.key(key, VALUE_TYPE.string).string(value);
    return this;
  }

  /** Adds an unsigned 32-bit integer value. */
  uint32(key: string, value: number): this {
    this.key(key, VALUE_TYPE.uint32).u32(value);
    return this;
  }

  /** Adds a 32-bit float value. */
  float32(key: string, value: number): this {
    this.key(key, VALUE_TYPE.float32).f32(value);
    return this;
  }

  /** Adds a boolean value. */
  bool(key: string, value: boolean): this {
    this.key(key, VALUE_TYPE.bool).u8(value ? 1 : 0);
    return this;
  }

  /** Adds an array of strings. */
  stringArray(key: string, values: readonly string[]): this {
    const sink = this.key(key, VALUE_TYPE.array);
    sink.u32(VALUE_TYPE.string);
    sink.u64(values.length);
    for (const value of values) sink.string(value);
    return this;
  }

  /** Adds an array of 32-bit floats. */
  float32Array(key: string, values: ArrayLike<number>): this {
    const sink = this.key(key, VALUE_TYPE.array);
    sink.u32(VALUE_TYPE.float32);
    sink.u64(values.length);
    for (let i = 0; i < values.length; i++) sink.f32(values[i]);
    return this;
  }

  /** Adds an array of signed 32-bit integers. */
  int32Array(key: string, values: ArrayLike<number>): this {
    const sink = this.key(key, VALUE_TYPE.array);
    sink.u32(VALUE_TYPE.int32);
    sink.u64(values.length);
    for (let i = 0; i < values.length; i++) sink.i32(values[i]);
    return this;
  }

  /** Adds a tensor info entry; the caller owns offsets and their alignment. */
  tensor(entry: TensorInfoEntry): this {
    this.tensors.push(entry);
    return this;
  }

  /** The complete header, zero-padded so the data section starts on `alignment`. */
  toBytes(alignment: number): Uint8Array {
    const out = new ByteSink();
    out.u32(GGUF_MAGIC);
    out.u32(GGUF_VERSION);
    out.u64(this.tensors.length);
    out.u64(this.metadataCount);
    out.raw(this.metadata.contents());
    for (const tensor of this.tensors) {
      out.string(tensor.name);
      out.u32(tensor.dims.length);
      for (const dim of tensor.dims) out.u64(dim);
      out.u32(tensor.ggmlType);
      out.u64(tensor.offset);
    }
    out.padTo(alignment);
    return out.contents();
  }
}
