import { Q8_0_BLOCK, type GgufTensorType } from './model-shape.js';

/**
 * Every weight is an int8 times 2^-12 (uniform in ±0.031, std ≈ 0.018). Such values are exact
 * in F32, F16 (normal range, 8 significant bits) and Q8_0 (scale 2^-12), so one seed gives the
 * same model at all three precisions, and encoding is a table lookup instead of a quantizer.
 */
export const WEIGHT_SCALE = 2 ** -12;

const Q8_0_BLOCK_BYTES = 2 + Q8_0_BLOCK;

const floatScratch = new Float32Array(1);
const bitsScratch = new Uint32Array(floatScratch.buffer);

/** IEEE half-precision bits of `value`, rounded to nearest even (overflow gives infinity). */
export function float32ToF16Bits(value: number): number {
  floatScratch[0] = value;
  const x = bitsScratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) !== 0)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent.
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) !== 0)) half++;
  return sign | half;
}

const F32_TABLE = new Float32Array(256);
const F16_TABLE = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  const q = byte < 128 ? byte : byte - 256;
  F32_TABLE[byte] = q * WEIGHT_SCALE;
  F16_TABLE[byte] = float32ToF16Bits(q * WEIGHT_SCALE);
}
const Q8_0_SCALE_BITS = float32ToF16Bits(WEIGHT_SCALE);
const SCALE_LO = Q8_0_SCALE_BITS & 0xff;
const SCALE_HI = Q8_0_SCALE_BITS >>> 8;

/** Bytes one row of `rowLength` values takes in `type`. */
export function rowBytes(type: GgufTensorType, rowLength: number): number {
  switch (type) {
    case 'F32':
      return 4 * rowLength;
    case 'F16':
      return 2 * rowLength;
    case 'Q8_0':
      return (rowLength / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seed of one tensor's stream: tensors are independent of write order and of each other. */
export function tensorSeed(seed: number, tensorName: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tensorName.length; i++)
    h = Math.imul(h ^ tensorName.charCodeAt(i), 0x01000193);
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  return fmix32(h ^ fmix32(low ^ fmix32(high ^ 0x9e3779b9)));
}

/** Start state of one row; seeding per row keeps the bytes independent of how rows are batched. */
function rowState(seed: number, row: number): number {
  return fmix32(seed ^ Math.imul(row + 1, 0x9e3779b1)) | 0;
}

/** mulberry32's output function; its state is a plain Weyl counter advanced by the caller. */
function mulberry(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return t ^ (t >>> 14);
}

const WEYL = 0x6d2b79f5;

/**
 * Encodes rows [firstRow, firstRow + rowCount) of a random weight matrix into `target` at
 * `offset`; rows below `zeroRows` are all zero. F32/F16 need `offset` aligned to their size.
 */
export function encodeRandomRows(
  type: GgufTensorType,
  target: Uint8Array,
  offset: number,
  rowLength: number,
  firstRow: number,
  rowCount: number,
  seed: number,
  zeroRows = 0,
): void {
  const bytesPerRow = rowBytes(type, rowLength);
  for (let r = 0; r < rowCount; r++) {
    const row = firstRow + r;
    const rowOffset = offset + r * bytesPerRow;
    if (row < zeroRows) {
      target.fill(0, rowOffset, rowOffset + bytesPerRow);
      continue;
    }
    const state = rowState(seed, row);
    if (type === 'Q8_0') encodeQ8Row(target, rowOffset, rowLength, state);
    else if (type === 'F16') {
      const view = new Uint16Array(target.buffer, target.byteOffset + rowOffset, rowLength);
      encodeTableRow(view, F16_TABLE, rowLength, state);
    } else {
      const view = new Float32Array(target.buffer, target.byteOffset + rowOffset, rowLength);
      encodeTableRow(view, F32_TABLE, rowLength, state);
    }
  }
}

/** Q8_0 blocks: the constant scale, then 32 random int8 taken four per PRNG draw. */
function encodeQ8Row(target: Uint8Array, offset: number, rowLength: number, state: number): void {
  let p = offset;
  let s = state;
  for (let block = 0; block < rowLength; block += Q8_0_BLOCK) {
    target[p] = SCALE_LO;
    target[p + 1] = SCALE_HI;
    p += 2;
    for (let k = 0; k < Q8_0_BLOCK / 4; k++) {
      s = (s + WEYL) | 0;
      const r = mulberry(s);
      target[p] = r;
      target[p + 1] = r >>> 8;
      target[p + 2] = r >>> 16;
      target[p + 3] = r >>> 24;
      p += 4;
    }
  }
}

/** F32/F16 rows: the same byte stream as Q8_0, each byte mapped through a value table. */
function encodeTableRow(
  view: Float32Array | Uint16Array,
  table: Float32Array | Uint16Array,
  rowLength: number,
  state: number,
): void {
  let s = state;
  let i = 0;
  const whole = rowLength & ~3;
  while (i < whole) {
    s = (s + WEYL) | 0;
    const r = mulberry(s);
    view[i] = table[r & 0xff];
    view[i + 1] = table[(r >>> 8) & 0xff];
    view[i + 2] = table[(r >>> 16) & 0xff];
    view[i + 3] = table[r >>> 24];
    i += 4;
  }
  if (i < rowLength) {
    s = (s + WEYL) | 0;
    let r = mulberry(s);
    while (i < rowLength) {
      view[i++] = table[r & 0xff];
      r >>>= 8;
    }
  }
}

/** Writes `count` F32 ones (norm weights) at `offset`, which must be 4-byte aligned. */
export function encodeOnes(target: Uint8Array, offset: number, count: number): void {
  new Float32Array(target.buffer, target.byteOffset + offset, count).fill(1);
}
