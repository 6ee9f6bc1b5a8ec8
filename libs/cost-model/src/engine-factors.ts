import { DEFAULT_BATCH_TOKENS } from './compute-buffer.js';

/**
 * How close llama.cpp comes to a device's datasheet peaks. These are assumptions, not
 * measurements: the first profile of a model on a device replaces the figures they produce.
 */
export interface EngineFactors {
  /** Fraction of peak GPU memory bandwidth that decode's matrix-vector kernels sustain. */
  gpuBandwidthEfficiency: number;
  /** Fraction of the dense FP16 peak that prompt processing sustains. */
  gpuComputeEfficiency: number;
  /** Fraction of a host link's rate that pinned uploads and state copies sustain. */
  interconnectEfficiency: number;
  /** Kernel-launch cost per GPU-resident block per token. */
  gpuLayerOverheadMs: number;
  /** Micro-batch of prompt processing (llama.cpp's n_ubatch). */
  batchTokens: number;
}

/** The assumed factors: 65 % of bandwidth, 50 % of FP16 peak, 80 % of the link, 20 µs per block. */
export const DEFAULT_ENGINE_FACTORS: EngineFactors = {
  gpuBandwidthEfficiency: 0.65,
  gpuComputeEfficiency: 0.5,
  interconnectEfficiency: 0.8,
  gpuLayerOverheadMs: 0.02,
  batchTokens: DEFAULT_BATCH_TOKENS,
};
