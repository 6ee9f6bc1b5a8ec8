import type { ModelFacts } from '#switchyard/contracts';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { GgufFileInfo, GgufTensorInfo } from 'node-llama-cpp';

/** What the scheduler and cost model need to know about one GGUF model, read from its header. */
/** What a GGUF file says about its model, and where the file is. */
export interface ModelInfo extends ModelFacts {
  path: string;
}

// The vocabulary arrays are most of the header; only the tokens are read (for their longest).
const SKIPPED_KEYS = [
  'tokenizer.ggml.scores',
  'tokenizer.ggml.token_type',
  'tokenizer.ggml.merges',
];

// Bytes per block and values per block, for the rare case a tensor's size cannot be taken from
// the offsets (the last tensor of a split part whose file size is unknown).
const GGML_BLOCK: Record<number, [bytes: number, values: number]> = {
  0: [4, 1],
  1: [2, 1],
  2: [18, 32],
  3: [20, 32],
  6: [22, 32],
  7: [24, 32],
  8: [34, 32],
  10: [84, 256],
  11: [110, 256],
  12: [144, 256],
  13: [176, 256],
  14: [210, 256],
  30: [2, 1],
};

function lookup(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A metadata number; per-layer arrays (some architectures) count as their largest entry. */
function numberAt(root: unknown, path: string): number | undefined {
  const value = lookup(root, path);
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value) && value.length > 0) return Math.max(...value.map(Number));
  return undefined;
}

function elements(tensor: GgufTensorInfo): number {
  return tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1);
}

function estimatedBytes(tensor: GgufTensorInfo): number {
  const block = GGML_BLOCK[tensor.ggmlType];
  return block === undefined ? 0 : Math.ceil(elements(tensor) / block[1]) * block[0];
}

/**
 * Bytes each tensor occupies in the file: the distance to the next tensor of the same part, so
 * any quantization type and the alignment padding are accounted for exactly.
 */
function tensorBytes(
  tensors: readonly GgufTensorInfo[],
  partSizes: Map<number, number>,
): Map<GgufTensorInfo, number> {
  const sizes = new Map<GgufTensorInfo, number>();
  const sorted = [...tensors].sort(
    (a, b) => a.filePart - b.filePart || Number(a.fileOffset) - Number(b.fileOffset),
  );
  sorted.forEach((tensor, i) => {
    const next = sorted[i + 1];
    const start = Number(tensor.fileOffset);
    if (next !== undefined && next.filePart === tensor.filePart) {
      sizes.set(tensor, Number(next.fileOffset) - start);
    } else {
      const partSize = partSizes.get(tensor.filePart);
      sizes.set(tensor, partSize !== undefined ? partSize - start : estimatedBytes(tensor));
    }
  });
  return sizes;
}

async function partSizesOf(path: string, info: GgufFileInfo): Promise<Map<number, number>> {
  const sizes = new Map<number, number>([[1, (await stat(path)).size]]);
  if (info.splicedParts > 1) {
    for (const [index, source] of info.sourceData.entries()) {
      if (index > 0 && source.type === 'path') {
        const size = await stat(source.path).then(
          (s) => s.size,
          () => undefined,
        );
        if (size !== undefined) sizes.set(index + 1, size);
      }
    }
  }
  return sizes;
}

/** Reads a model's header (not its weights) with node-llama-cpp and derives the figures above. */
export async function readModelInfo(path: string, name?: string): Promise<ModelInfo> {
  // Loaded lazily: node-llama-cpp takes most of a second to import, which the writer never needs.
  const { readGgufFileInfo, GgufFileType, GgmlType } = await import('node-llama-cpp');
  const info = await readGgufFileInfo(path, {
    readTensorInfo: true,
    ignoreKeys: SKIPPED_KEYS,
    logWarnings: false,
  });
  const metadata: unknown = info.metadata;
  const architecture = String(lookup(metadata, 'general.architecture') ?? 'unknown');
  const arch = lookup(metadata, architecture);
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? [];
  const partSizes = await partSizesOf(path, info);
  const sizes = tensorBytes(tensors, partSizes);

  const embedding = tensors.find((t) => t.name === 'token_embd.weight');
  const embeddingLength =
    numberAt(arch, 'embedding_length') ?? Number(embedding?.dimensions[0] ?? 0);
  const headCount = numberAt(arch, 'attention.head_count') ?? 0;
  const headCountKv = numberAt(arch, 'attention.head_count_kv') ?? headCount;
  let layers = numberAt(arch, 'block_count') ?? 0;

  const layerBytes: number[] = [];
  let nonLayerBytes = 0;
  let parameters = 0;
  const bytesByType = new Map<number, number>();
  for (const tensor of tensors) {
    const bytes = sizes.get(tensor) ?? 0;
    parameters += elements(tensor);
    const block = /^blk\.(\d+)\./.exec(tensor.name);
    if (block !== null) {
      const index = Number(block[1]);
      while (layerBytes.length <= index) layerBytes.push(0);
      layerBytes[index] += bytes;
    } else {
      nonLayerBytes += bytes;
    }
    if (tensor.dimensions.length >= 2) {
      bytesByType.set(tensor.ggmlType, (bytesByType.get(tensor.ggmlType) ?? 0) + bytes);
    }
  }
  layers = Math.max(layers, layerBytes.length);
  while (layerBytes.length < layers) layerBytes.push(0);

  const fileType = numberAt(metadata, 'general.file_type');
  const fileTypeName = fileType === undefined ? undefined : GgufFileType[fileType];
  let quantization = fileTypeName?.replace(/^(MOSTLY|ALL)_/, '');
  if (quantization === undefined) {
    const dominant = [...bytesByType.entries()].sort((a, b) => b[1] - a[1])[0];
    quantization =
      dominant === undefined ? 'unknown' : (GgmlType[dominant[0]] ?? `type ${dominant[0]}`);
  }

  const headDim = headCount > 0 ? embeddingLength / headCount : 0;
  const keyLength = numberAt(arch, 'attention.key_length') ?? headDim;
  const valueLength = numberAt(arch, 'attention.value_length') ?? headDim;

  return {
    name: name ?? basename(path).replace(/\.gguf$/i, ''),
    path,
    architecture,
    layers,
    parameters,
    bytes: [...partSizes.values()].reduce((sum, size) => sum + size, 0),
    quantization,
    contextLength: numberAt(arch, 'context_length') ?? 0,
    embeddingLength,
    headCount,
    headCountKv,
    vocabSize: numberAt(arch, 'vocab_size') ?? Number(embedding?.dimensions[1] ?? 0),
    layerBytes,
    nonLayerBytes,
    kvBytesPerToken: (keyLength + valueLength) * headCountKv * layers * 2,
    ...longestToken(lookup(metadata, 'tokenizer.ggml.tokens')),
  };
}

/**
 * The UTF-8 bytes of the vocabulary's longest token. Its spelling is at least as long as the
 * text it stands for (SentencePiece's ▁ and byte-level BPE's Ġ take more bytes than the byte
 * they replace), so no token covers more bytes of input than this.
 */
function longestToken(tokens: unknown): { maxTokenBytes?: number } {
  if (!Array.isArray(tokens) || tokens.length === 0) return {};
  let longest = 0;
  for (const token of tokens) {
    if (typeof token === 'string') longest = Math.max(longest, Buffer.byteLength(token));
  }
  return longest > 0 ? { maxTokenBytes: longest } : {};
}
