import type { DeviceKind } from '#switchyard/contracts';
import { blockBytes, type ModelSpec } from './model-spec.js';

/**
 * Where each part of a model lives for a gpuLayers setting, by llama.cpp's rule: gpuLayers = g
 * puts the last min(g, layers) blocks on the GPU (block i is offloaded when i ≥ layers − g); the
 * output projection joins them only when g > layers (the "+1" layer node-llama-cpp counts, so g
 * runs from 0 to layers + 1); token_embd stays on the host always. A block's KV cache lives with
 * the block. On a CPU device every g resolves to 0, as node-llama-cpp's CPU build does.
 */
export interface Residency {
  /** The gpuLayers setting after the device has resolved it (0 on a CPU). */
  gpuLayers: number;
  /** Repeating blocks on the GPU. */
  gpuBlocks: number;
  /** Repeating blocks on the host. */
  hostBlocks: number;
  outputOnGpu: boolean;
  /** Weights held in GPU memory. */
  gpuWeightBytes: number;
  /** Weights held in host memory (mapped file pages included). */
  hostWeightBytes: number;
}

/** The highest gpuLayers a model accepts: every block plus the output layer. */
export function maxGpuLayers(spec: ModelSpec): number {
  return spec.layers + 1;
}

/** Throws a RangeError unless gpuLayers is an integer in [0, layers + 1]. */
export function assertGpuLayers(spec: ModelSpec, gpuLayers: number): void {
  if (!Number.isInteger(gpuLayers) || gpuLayers < 0 || gpuLayers > maxGpuLayers(spec)) {
    throw new RangeError(
      `gpuLayers must be an integer from 0 to ${maxGpuLayers(spec)} for "${spec.name}" (got ${gpuLayers})`,
    );
  }
}

/** Residency of `spec` at `gpuLayers` on a device of `kind` (see Residency for the rule). */
export function residencyOf(spec: ModelSpec, gpuLayers: number, kind: DeviceKind): Residency {
  assertGpuLayers(spec, gpuLayers);
  const resolved = kind === 'cpu' ? 0 : gpuLayers;
  const gpuBlocks = Math.min(resolved, spec.layers);
  const hostBlocks = spec.layers - gpuBlocks;
  const outputOnGpu = resolved > spec.layers;
  // A tied output on the host is token_embd itself; on the GPU llama.cpp uploads a copy.
  const hostOutputBytes = outputOnGpu || spec.tiedEmbeddings ? 0 : spec.outputBytes;
  return {
    gpuLayers: resolved,
    gpuBlocks,
    hostBlocks,
    outputOnGpu,
    gpuWeightBytes:
      blockBytes(spec, hostBlocks, spec.layers) + (outputOnGpu ? spec.outputBytes : 0),
    hostWeightBytes: blockBytes(spec, 0, hostBlocks) + spec.embeddingBytes + hostOutputBytes,
  };
}
