import { kvBytesPerToken, type ModelSpec } from './model-spec.js';
import { bytesPerWeight } from './quantization.js';

/** The hyper-parameters of a llama-architecture model: enough to size every tensor. */
export interface ModelShape {
  /** Embedding length. */
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  /** Feed-forward length. */
  ffDim: number;
  vocabSize: number;
  contextLength: number;
  /** The output projection reuses token_embd. */
  tiedEmbeddings: boolean;
}

/**
 * Shapes of common llama models (from their published config.json files) and of this project's
 * synthetic presets (libs/gguf MODEL_PRESETS, mirrored here because that module does file I/O).
 */
export const TYPICAL_MODEL_SHAPES = {
  'synth-5m': shape(256, 4, 4, 4, 704, 4096, 2048),
  'synth-50m': shape(512, 12, 8, 8, 1376, 8192, 4096),
  'synth-300m': shape(1024, 24, 16, 4, 2816, 32000, 4096),
  'synth-850m': shape(2048, 16, 16, 4, 5632, 32000, 4096),
  'llama-3.2-1b': shape(2048, 16, 32, 8, 8192, 128256, 131072, true),
  'llama-3.2-3b': shape(3072, 28, 24, 8, 8192, 128256, 131072, true),
  'llama-2-7b': shape(4096, 32, 32, 32, 11008, 32000, 4096),
  'llama-3-8b': shape(4096, 32, 32, 8, 14336, 128256, 8192),
  'llama-2-13b': shape(5120, 40, 40, 40, 13824, 32000, 4096),
  'llama-2-70b': shape(8192, 80, 64, 8, 28672, 32000, 4096),
  'llama-3-70b': shape(8192, 80, 64, 8, 28672, 128256, 8192),
} as const satisfies Record<string, ModelShape>;

/** Names of the shapes in TYPICAL_MODEL_SHAPES. */
export type TypicalShapeName = keyof typeof TYPICAL_MODEL_SHAPES;

function shape(
  dim: number,
  layers: number,
  heads: number,
  kvHeads: number,
  ffDim: number,
  vocabSize: number,
  contextLength: number,
  tiedEmbeddings = false,
): ModelShape {
  return { dim, layers, heads, kvHeads, ffDim, vocabSize, contextLength, tiedEmbeddings };
}

/** Bytes per F32 norm weight (llama.cpp never quantizes norms). */
const NORM_WEIGHT_BYTES = 4;

/**
 * GGUF header bytes per vocabulary entry: the token string with its u64 length, an f32 score
 * and an i32 type (about 25 bytes for SentencePiece vocabularies; the rest of the header is small).
 */
const HEADER_BYTES_PER_TOKEN = 25;

/** Matmul weights of one block: q and o (dim²), k and v (dim × kvDim), gate, up and down (dim × ff). */
function blockMatrixWeights(s: ModelShape): number {
  const kvDim = (s.dim / s.heads) * s.kvHeads;
  return 2 * s.dim * s.dim + 2 * s.dim * kvDim + 3 * s.dim * s.ffDim;
}

/** Weights of one block, its two norms included. */
function blockWeights(s: ModelShape): number {
  return blockMatrixWeights(s) + 2 * s.dim;
}

/** Weights outside the blocks: token_embd, output (unless tied) and output_norm. */
function nonBlockWeights(s: ModelShape): number {
  return s.vocabSize * s.dim * (s.tiedEmbeddings ? 1 : 2) + s.dim;
}

/** Total weights of a shape (the same count as libs/gguf countParameters for untied models). */
export function parametersOf(s: ModelShape): number {
  return s.layers * blockWeights(s) + nonBlockWeights(s);
}

/** A spec for a model of `shape` stored at `quantization`, sized tensor by tensor. */
export function modelSpecFromShape(name: string, s: ModelShape, quantization: string): ModelSpec {
  const bytes = bytesPerWeight(quantization);
  const layer = blockMatrixWeights(s) * bytes + 2 * s.dim * NORM_WEIGHT_BYTES;
  const embedding = s.vocabSize * s.dim * bytes;
  const output = embedding + s.dim * NORM_WEIGHT_BYTES;
  const header = s.vocabSize * HEADER_BYTES_PER_TOKEN;
  const file =
    s.layers * layer + embedding + (s.tiedEmbeddings ? s.dim * NORM_WEIGHT_BYTES : output) + header;
  return {
    name,
    architecture: 'llama',
    quantization,
    parameters: parametersOf(s),
    layers: s.layers,
    layerBytes: Array.from({ length: s.layers }, () => layer),
    embeddingBytes: embedding,
    outputBytes: output,
    tiedEmbeddings: s.tiedEmbeddings,
    fileBytes: Math.round(file),
    kvBytesPerToken: kvBytesPerToken({
      layers: s.layers,
      embeddingLength: s.dim,
      headCount: s.heads,
      headCountKv: s.kvHeads,
    }),
    embeddingLength: s.dim,
    headCount: s.heads,
    headCountKv: s.kvHeads,
    vocabSize: s.vocabSize,
    contextLength: s.contextLength,
  };
}

/** What a synthetic (catalog, not on disk) model is described by: a shape, or a parameter count. */
export type SyntheticModelOptions = { name?: string; quantization: string } & (
  { shape: ModelShape | TypicalShapeName } | { parameters: number }
);

/** The typical shape nearest to `parameters` (by ratio), its block count scaled to match. */
export function shapeForParameters(parameters: number): ModelShape {
  if (!(parameters > 0)) throw new RangeError(`parameters must be positive (got ${parameters})`);
  const shapes: ModelShape[] = Object.values(TYPICAL_MODEL_SHAPES);
  const distance = (s: ModelShape) => Math.abs(Math.log(parametersOf(s) / parameters));
  const nearest = shapes.reduce((best, s) => (distance(s) < distance(best) ? s : best));
  const layers = Math.max(
    1,
    Math.round((parameters - nonBlockWeights(nearest)) / blockWeights(nearest)),
  );
  return { ...nearest, layers };
}

/**
 * A spec for a model that is not on disk, for the simulator and for planning: from a named or
 * explicit shape, or from a parameter count (the nearest typical shape with its depth scaled).
 */
export function syntheticModelSpec(options: SyntheticModelOptions): ModelSpec {
  const { quantization } = options;
  if ('shape' in options) {
    if (typeof options.shape !== 'string') {
      return modelSpecFromShape(options.name ?? 'synthetic', options.shape, quantization);
    }
    const shapeName = options.shape;
    if (!Object.hasOwn(TYPICAL_MODEL_SHAPES, shapeName)) {
      throw new RangeError(`unknown model shape "${shapeName}"`);
    }
    const name = options.name ?? `${shapeName}-${quantization}`;
    return modelSpecFromShape(name, TYPICAL_MODEL_SHAPES[shapeName], quantization);
  }
  const s = shapeForParameters(options.parameters);
  const billions = Number((options.parameters / 1e9).toPrecision(3));
  return modelSpecFromShape(options.name ?? `llama-${billions}b-${quantization}`, s, quantization);
}
