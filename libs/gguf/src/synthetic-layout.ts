import { GGML_TYPE_ID, GgufHeaderWriter } from './gguf-header-writer.js';
import {
  kvDimOf,
  validateShape,
  type GgufTensorType,
  type SyntheticModelShape,
} from './model-shape.js';
import { buildVocabulary, SPECIAL_TOKEN_IDS } from './synthetic-vocabulary.js';
import { rowBytes } from './weight-encoder.js';

/** Alignment of the data section and of every tensor in it (GGUF's default). */
export const GGUF_ALIGNMENT = 32;

const FILE_TYPE: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q8_0: 7 };

/** One tensor as it will be written. */
export interface PlannedTensor {
  name: string;
  /** Innermost first: [row length, rows] for matrices, [length] for norms. */
  dims: number[];
  type: GgufTensorType;
  /** Norms are ones, everything else seeded random. */
  fill: 'ones' | 'random';
  /** Leading rows written as zeros (the special tokens' output rows). */
  zeroRows: number;
  /** Offset from the start of the data section. */
  offset: number;
  /** Data bytes, without the alignment padding that follows. */
  bytes: number;
}

/** Header bytes plus where every tensor goes: all that is needed to stream the file. */
export interface SyntheticModelLayout {
  header: Uint8Array;
  tensors: PlannedTensor[];
  totalBytes: number;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

type TensorSpec = Omit<PlannedTensor, 'offset' | 'bytes'>;

function tensorList(shape: SyntheticModelShape): TensorSpec[] {
  const { dim, ffDim, vocabSize, type } = shape;
  const kvDim = kvDimOf(shape);
  const norm = (name: string): TensorSpec => ({
    name,
    dims: [dim],
    type: 'F32',
    fill: 'ones',
    zeroRows: 0,
  });
  const matrix = (name: string, rowLength: number, rows: number, zeroRows = 0): TensorSpec => ({
    name,
    dims: [rowLength, rows],
    type,
    fill: 'random',
    zeroRows,
  });
  // File order follows the layers so that a partial offload reads one contiguous range.
  const list: TensorSpec[] = [matrix('token_embd.weight', dim, vocabSize)];
  for (let l = 0; l < shape.layers; l++) {
    list.push(
      norm(`blk.${l}.attn_norm.weight`),
      matrix(`blk.${l}.attn_q.weight`, dim, dim),
      matrix(`blk.${l}.attn_k.weight`, dim, kvDim),
      matrix(`blk.${l}.attn_v.weight`, dim, kvDim),
      matrix(`blk.${l}.attn_output.weight`, dim, dim),
      norm(`blk.${l}.ffn_norm.weight`),
      matrix(`blk.${l}.ffn_gate.weight`, dim, ffDim),
      matrix(`blk.${l}.ffn_up.weight`, dim, ffDim),
      matrix(`blk.${l}.ffn_down.weight`, ffDim, dim),
    );
  }
  // Zero output rows for <unk>, <s>, </s>: their logits stay exactly 0, while the largest of the
  // 257+ other, symmetric random logits is positive (all negative has odds near 2^-257), so EOS
  // never wins and a generation runs to max_tokens. A token bias cannot do this for EOS.
  const specialRows = Math.max(...Object.values(SPECIAL_TOKEN_IDS)) + 1;
  list.push(norm('output_norm.weight'), matrix('output.weight', dim, vocabSize, specialRows));
  return list;
}

/** Validates the shape and lays out header and tensors; the header holds the whole vocabulary. */
export function planSyntheticModel(shape: SyntheticModelShape): SyntheticModelLayout {
  validateShape(shape);
  const headDim = shape.dim / shape.heads;
  const vocabulary = buildVocabulary(shape.vocabSize);
  const header = new GgufHeaderWriter()
    .string('general.architecture', 'llama')
    .string('general.name', shape.name)
    .uint32('general.alignment', GGUF_ALIGNMENT)
    .uint32('general.file_type', FILE_TYPE[shape.type])
    .uint32('general.quantization_version', 2)
    .uint32('llama.context_length', shape.contextLength)
    .uint32('llama.embedding_length', shape.dim)
    .uint32('llama.block_count', shape.layers)
    .uint32('llama.feed_forward_length', shape.ffDim)
    .uint32('llama.attention.head_count', shape.heads)
    .uint32('llama.attention.head_count_kv', shape.kvHeads)
    .uint32('llama.rope.dimension_count', headDim)
    .float32('llama.rope.freq_base', 10000)
    .float32('llama.attention.layer_norm_rms_epsilon', 1e-5)
    .uint32('llama.vocab_size', shape.vocabSize)
    .string('tokenizer.ggml.model', 'llama')
    .stringArray('tokenizer.ggml.tokens', vocabulary.tokens)
    .float32Array('tokenizer.ggml.scores', vocabulary.scores)
    .int32Array('tokenizer.ggml.token_type', vocabulary.tokenTypes)
    .uint32('tokenizer.ggml.bos_token_id', SPECIAL_TOKEN_IDS.bos)
    .uint32('tokenizer.ggml.eos_token_id', SPECIAL_TOKEN_IDS.eos)
    .uint32('tokenizer.ggml.unknown_token_id', SPECIAL_TOKEN_IDS.unknown)
    .bool('tokenizer.ggml.add_bos_token', true)
    .bool('tokenizer.ggml.add_eos_token', false);

  const tensors: PlannedTensor[] = [];
  let offset = 0;
  for (const tensor of tensorList(shape)) {
    const rows = tensor.dims[1] ?? 1;
    const bytes = rowBytes(tensor.type, tensor.dims[0]) * rows;
    tensors.push({ ...tensor, offset, bytes });
    header.tensor({
      name: tensor.name,
      dims: tensor.dims,
      ggmlType: GGML_TYPE_ID[tensor.type],
      offset,
    });
    offset = alignUp(offset + bytes, GGUF_ALIGNMENT);
  }
  const headerBytes = header.toBytes(GGUF_ALIGNMENT);
  return { header: headerBytes, tensors, totalBytes: headerBytes.length + offset };
}

/** Exact size in bytes of the file `writeSyntheticModel` writes for `shape`, without writing it. */
export function syntheticModelBytes(shape: SyntheticModelShape): number {
  return planSyntheticModel(shape).totalBytes;
}
