import type { SyntheticModelShape } from '#switchyard/gguf';

/**
 * The probe's bandwidth model: 16 blocks of 30 MB of Q8_0 weights (480 MB, 15× a 32 MiB L3) and
 * a 1,024-token vocabulary, so that over 99 % of the bytes a token reads are block matmuls. Its
 * widths (1,536 and 4,096, full multi-head attention) are none of the presets', so the presets'
 * decode predictions are not this measurement read back.
 */
export const PROBE_MODEL_SHAPE: SyntheticModelShape = {
  name: 'host-probe',
  dim: 1536,
  layers: 16,
  heads: 12,
  kvHeads: 12,
  ffDim: 4096,
  vocabSize: 1024,
  contextLength: 512,
  type: 'Q8_0',
  seed: 7,
};

/**
 * The probe's overhead model: the same 16 blocks and vocabulary, 1/12 of the width (128 and 352:
 * 3.4 MB of weights, cache-resident), so a token costs the same graph, the same barriers and
 * the same sampling as the bandwidth model's, and almost no bytes. The two decodes together
 * separate a host's fixed cost per token from its streaming rate.
 */
export const PROBE_OVERHEAD_MODEL_SHAPE: SyntheticModelShape = {
  name: 'host-probe-overhead',
  dim: 128,
  layers: 16,
  heads: 2,
  kvHeads: 2,
  ffDim: 352,
  vocabSize: 1024,
  contextLength: 512,
  type: 'Q8_0',
  seed: 7,
};
