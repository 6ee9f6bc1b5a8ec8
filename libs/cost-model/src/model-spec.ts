import type { ModelInfo } from '#switchyard/gguf';

/**
 * What the cost model knows about one model: the bytes of every part llama.cpp can place, the
 * size of its KV cache and the shape figures the compute estimates need.
 */
export interface ModelSpec {
  name: string;
  architecture: string;
  /** GGUF file type, e.g. 'Q8_0', 'Q4_K_M', 'F16'. */
  quantization: string;
  parameters: number;
  /** Repeating blocks (blk.N). */
  layers: number;
  /** Bytes of each block's tensors, index N. */
  layerBytes: readonly number[];
  /** token_embd: llama.cpp always keeps the input embeddings on the host (only one row is read per token). */
  embeddingBytes: number;
  /** The output projection and its norm: read in full for every token. */
  outputBytes: number;
  /** True when the output projection is token_embd itself (no output.weight in the file). */
  tiedEmbeddings: boolean;
  /** Bytes read from storage at load: the whole file, header included. */
  fileBytes: number;
  /** K and V of one token over all layers in an F16 cache. */
  kvBytesPerToken: number;
  embeddingLength: number;
  headCount: number;
  headCountKv: number;
  vocabSize: number;
  /** Training context length (an upper bound for contextSize). */
  contextLength: number;
}

/** Bytes of one F16 cache element. */
export const KV_CACHE_ELEMENT_BYTES = 2;

/** The attention shape figures that size the KV cache. */
export interface AttentionShape {
  layers: number;
  embeddingLength: number;
  headCount: number;
  headCountKv: number;
}

/**
 * K and V of one token over all layers in an F16 cache: 2 × layers × kvDim × 2 bytes, where
 * kvDim = (embeddingLength / headCount) × headCountKv (grouped-query attention shrinks it).
 */
export function kvBytesPerToken(shape: AttentionShape): number {
  if (shape.headCount === 0) return 0;
  const kvDim = (shape.embeddingLength / shape.headCount) * shape.headCountKv;
  return 2 * shape.layers * kvDim * KV_CACHE_ELEMENT_BYTES;
}

/** KV bytes of one token in one layer: the cache is split by layer residency, like the weights. */
export function kvBytesPerTokenPerLayer(spec: ModelSpec): number {
  return spec.layers === 0 ? 0 : spec.kvBytesPerToken / spec.layers;
}

/** Sum of layerBytes over the block indices [from, to). */
export function blockBytes(spec: ModelSpec, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += spec.layerBytes[i] ?? 0;
  return sum;
}

/** Bytes of the weights alone: every block, the embeddings and, unless tied, the output. */
export function weightBytes(spec: ModelSpec): number {
  return (
    blockBytes(spec, 0, spec.layers) +
    spec.embeddingBytes +
    (spec.tiedEmbeddings ? 0 : spec.outputBytes)
  );
}

/**
 * A spec from a model's GGUF header. ModelInfo gives the non-block tensors as one figure; the
 * split follows the file's shape: when it holds about one vocab × dim matrix the embeddings are
 * tied (output reuses token_embd), else it holds two and each is counted as half. For K-quant
 * mixes that store output.weight wider than token_embd (Q6_K against Q4_K) the halves are off by
 * about a tenth of the non-block bytes, which is under 2 % of a 7 B model.
 */
export function modelSpecFromInfo(info: Omit<ModelInfo, 'path'>): ModelSpec {
  const averageBytesPerWeight = info.parameters > 0 ? info.bytes / info.parameters : 0;
  const oneMatrixBytes = info.vocabSize * info.embeddingLength * averageBytesPerWeight;
  const tiedEmbeddings = oneMatrixBytes > 0 && info.nonLayerBytes < 1.5 * oneMatrixBytes;
  const half = info.nonLayerBytes / 2;
  return {
    name: info.name,
    architecture: info.architecture,
    quantization: info.quantization,
    parameters: info.parameters,
    layers: info.layers,
    layerBytes: [...info.layerBytes],
    embeddingBytes: tiedEmbeddings ? info.nonLayerBytes : half,
    outputBytes: tiedEmbeddings ? info.nonLayerBytes : half,
    tiedEmbeddings,
    fileBytes: info.bytes,
    kvBytesPerToken: info.kvBytesPerToken > 0 ? info.kvBytesPerToken : kvBytesPerToken(info),
    embeddingLength: info.embeddingLength,
    headCount: info.headCount,
    headCountKv: info.headCountKv,
    vocabSize: info.vocabSize,
    contextLength: info.contextLength,
  };
}
