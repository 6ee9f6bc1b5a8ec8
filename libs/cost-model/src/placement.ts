import { pcieBytesPerSecond, type DeviceSpec } from './device-spec.js';
import { DEFAULT_ENGINE_FACTORS, type EngineFactors } from './engine-factors.js';
import { DEFAULT_HOST_SPEC, hostCopyBytesPerSecond, type HostSpec } from './host-spec.js';
import type { ModelSpec } from './model-spec.js';

/** One model loaded on one device at one offload level: what every prediction is about. */
export interface Placement {
  model: ModelSpec;
  device: DeviceSpec;
  /** 0 to layers + 1 (see Residency); a CPU device resolves any value to 0. */
  gpuLayers: number;
  /** Tokens of KV cache the context allocates (all its sequences together). */
  contextSize: number;
  /** Host threads for the CPU-resident part. */
  threads: number;
}

/** The host and engine figures the formulas read besides the placement. */
export interface CostEnvironment {
  host: HostSpec;
  factors: EngineFactors;
}

/** The reference host with the assumed engine factors. */
export const DEFAULT_COST_ENVIRONMENT: CostEnvironment = {
  host: DEFAULT_HOST_SPEC,
  factors: DEFAULT_ENGINE_FACTORS,
};

/**
 * Sustained rate between host memory and the device's: a PCIe or NVLink host link at the
 * engine's efficiency, or a copy within host memory for a CPU.
 */
export function linkBytesPerSecond(device: DeviceSpec, env: CostEnvironment): number {
  const link = device.interconnect;
  switch (link.kind) {
    case 'host-memory':
      return hostCopyBytesPerSecond(env.host);
    case 'nvlink':
      return link.bytesPerSecond * env.factors.interconnectEfficiency;
    case 'pcie':
      return pcieBytesPerSecond(link.generation, link.lanes) * env.factors.interconnectEfficiency;
  }
}
