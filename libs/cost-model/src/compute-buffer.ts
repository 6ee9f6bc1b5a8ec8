import type { ModelSpec } from './model-spec.js';

/** llama.cpp's default micro-batch (n_ubatch): the most tokens one graph evaluation holds. */
export const DEFAULT_BATCH_TOKENS = 512;

/** Bytes of one F32 activation. */
const ACTIVATION_BYTES = 4;

/**
 * Compute buffer one backend allocates for a context, estimated as the graph allocator's peak:
 * F32 activations for one micro-batch of min(batchTokens, contextSize) tokens, the larger of the
 * logits (vocab per token) and the attention scores (heads × contextSize per token, without flash
 * attention), plus four embedding-wide tensors alive beside them. For llama-2-7b at contextSize
 * 4096 this gives 288 MiB, where llama.cpp's CUDA backend reports about 296 MiB.
 */
export function computeBufferBytes(
  spec: ModelSpec,
  contextSize: number,
  batchTokens = DEFAULT_BATCH_TOKENS,
): number {
  const microBatch = Math.min(batchTokens, contextSize);
  const widest = Math.max(spec.vocabSize, spec.headCount * contextSize);
  return ACTIVATION_BYTES * microBatch * (widest + 4 * spec.embeddingLength);
}
