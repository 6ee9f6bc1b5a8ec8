/** Tensor types the synthetic writer can emit for matmul weights (norms always stay F32). */
export type GgufTensorType = 'F32' | 'F16' | 'Q8_0';

/** Every tensor type the writer accepts, in the order the CLI lists them. */
export const GGUF_TENSOR_TYPES: readonly GgufTensorType[] = ['Q8_0', 'F16', 'F32'];

/** Shape of a synthetic llama-architecture model: enough to lay out every tensor and the vocabulary. */
export interface SyntheticModelShape {
  /** `general.name`. */
  name: string;
  /** Embedding length. */
  dim: number;
  /** Block count. */
  layers: number;
  heads: number;
  kvHeads: number;
  /** Feed-forward length (a multiple of 32 for Q8_0). */
  ffDim: number;
  vocabSize: number;
  contextLength: number;
  /** Type of the matmul weights; norms stay F32. */
  type: GgufTensorType;
  seed: number;
}

/** Byte fallback vocabularies need <unk>, <s>, </s> and 256 byte tokens before any word piece. */
export const RESERVED_TOKENS = 3 + 256;

/** Q8_0 stores rows in blocks of this many values, so row lengths must be multiples of it. */
export const Q8_0_BLOCK = 32;

/** Key/value projection width: one head dimension per KV head. */
export function kvDimOf(shape: SyntheticModelShape): number {
  return (shape.dim / shape.heads) * shape.kvHeads;
}

/** Total number of weights in the model, norms and output matrix included. */
export function countParameters(shape: SyntheticModelShape): number {
  const { dim, layers, ffDim, vocabSize } = shape;
  const kvDim = kvDimOf(shape);
  // Two norms, q and o (dim x dim), k and v (dim x kvDim), gate, up and down (dim x ff).
  const perLayer = 2 * dim + 2 * dim * dim + 2 * dim * kvDim + 3 * dim * ffDim;
  // token_embd and output are both vocab x dim; output_norm is dim.
  return 2 * vocabSize * dim + dim + layers * perLayer;
}

/** Throws an Error naming the first field that would make an unloadable or inconsistent file. */
export function validateShape(shape: SyntheticModelShape): void {
  const fail = (message: string): never => {
    throw new Error(`invalid model shape "${shape.name}": ${message}`);
  };
  if (typeof shape.name !== 'string' || shape.name.trim() === '') fail('name must be non-empty');
  if (!GGUF_TENSOR_TYPES.includes(shape.type)) {
    fail(`type must be one of ${GGUF_TENSOR_TYPES.join(', ')} (got ${String(shape.type)})`);
  }
  const positive: (keyof SyntheticModelShape)[] = [
    'dim',
    'layers',
    'heads',
    'kvHeads',
    'ffDim',
    'vocabSize',
    'contextLength',
  ];
  for (const key of positive) {
    const value = shape[key];
    // Token ids and GGUF's u32 fields cap everything at int32 range.
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 0x7fffffff) {
      fail(`${key} must be a positive integer (got ${String(value)})`);
    }
  }
  if (!Number.isSafeInteger(shape.seed)) fail(`seed must be an integer (got ${shape.seed})`);
  if (shape.dim % shape.heads !== 0) {
    fail(`dim ${shape.dim} is not divisible by heads ${shape.heads}`);
  }
  // RoPE rotates pairs of values, so each head needs an even width.
  if ((shape.dim / shape.heads) % 2 !== 0) {
    fail(`head dimension ${shape.dim / shape.heads} (dim / heads) must be even for RoPE`);
  }
  if (shape.kvHeads > shape.heads || shape.heads % shape.kvHeads !== 0) {
    fail(`heads ${shape.heads} is not a multiple of kvHeads ${shape.kvHeads}`);
  }
  if (shape.type === 'Q8_0') {
    if (shape.dim % Q8_0_BLOCK !== 0) {
      fail(`Q8_0 needs dim to be a multiple of ${Q8_0_BLOCK} (got ${shape.dim})`);
    }
    if (shape.ffDim % Q8_0_BLOCK !== 0) {
      fail(`Q8_0 needs ffDim to be a multiple of ${Q8_0_BLOCK} (got ${shape.ffDim})`);
    }
  }
  if (shape.vocabSize <= RESERVED_TOKENS) {
    fail(
      `vocabSize must exceed ${RESERVED_TOKENS} (3 special + 256 byte tokens); got ${shape.vocabSize}`,
    );
  }
}
