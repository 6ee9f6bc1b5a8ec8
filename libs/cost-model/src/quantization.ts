/**
 * Average bytes per weight of each GGUF file type. Single-format types are exact from the ggml
 * block layouts (e.g. Q8_0 stores 32 weights in 34 bytes); the K-quant mixes (`_S`, `_M`, `_L`)
 * keep some tensors at a wider type, so theirs are the file-wide averages llama.cpp's quantize
 * reports for llama models (Q4_K_M ≈ 4.85 bits per weight).
 */
export const BYTES_PER_WEIGHT: Readonly<Record<string, number>> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  Q8_0: 34 / 32,
  Q6_K: 210 / 256,
  Q5_1: 24 / 32,
  Q5_0: 22 / 32,
  Q5_K: 176 / 256,
  Q4_1: 20 / 32,
  Q4_0: 18 / 32,
  Q4_K: 144 / 256,
  Q3_K: 110 / 256,
  Q2_K: 84 / 256,
  Q5_K_M: 5.69 / 8,
  Q5_K_S: 5.54 / 8,
  Q4_K_M: 4.85 / 8,
  Q4_K_S: 4.58 / 8,
  Q3_K_L: 4.27 / 8,
  Q3_K_M: 3.91 / 8,
  Q3_K_S: 3.5 / 8,
};

/** Average bytes per weight of `quantization`; throws on a type the table does not know. */
export function bytesPerWeight(quantization: string): number {
  const key = quantization.toUpperCase();
  // hasOwn: a name like "toString" must not find Object.prototype's members.
  const bytes = Object.hasOwn(BYTES_PER_WEIGHT, key) ? BYTES_PER_WEIGHT[key] : undefined;
  if (bytes === undefined) {
    throw new RangeError(
      `unknown quantization "${quantization}" (known: ${Object.keys(BYTES_PER_WEIGHT).join(', ')})`,
    );
  }
  return bytes;
}
