import type { DeviceKind } from '#switchyard/contracts';

/** PCIe generations found on inference hosts. */
export type PcieGeneration = 3 | 4 | 5;

/** A GPU reached from its host over PCIe: the path of every model upload and KV save. */
export interface PcieLink {
  kind: 'pcie';
  generation: PcieGeneration;
  lanes: number;
}

/** A GPU whose host link is NVLink (e.g. NVLink-C2C on Grace Hopper), one direction. */
export interface NvlinkHostLink {
  kind: 'nvlink';
  bytesPerSecond: number;
}

/** The CPU itself: moving state is a copy within host memory. */
export interface HostMemoryLink {
  kind: 'host-memory';
}

/** How data reaches the device's memory from the host's. */
export type Interconnect = PcieLink | NvlinkHostLink | HostMemoryLink;

/** One device as its datasheet describes it. */
export interface DeviceSpec {
  /** Catalog key, e.g. 'h100-sxm'. */
  id: string;
  name: string;
  kind: DeviceKind;
  /** Device memory (host RAM for a CPU). */
  memoryBytes: number;
  /** Peak memory bandwidth. */
  memoryBandwidthBytesPerSecond: number;
  /** Peak dense FP16 tensor rate with FP32 accumulation (sparsity figures halved). */
  fp16FlopsPerSecond: number;
  /** The host link: PCIe even on SXM boards, whose NVLink joins GPUs, not the host. */
  interconnect: Interconnect;
  /** GPU-to-GPU NVLink bandwidth, both directions together as datasheets give it. */
  nvlinkBytesPerSecond?: number;
}

/** Transfer rate of one PCIe lane in transfers per second, by generation. */
const PCIE_TRANSFERS_PER_SECOND: Record<PcieGeneration, number> = { 3: 8e9, 4: 16e9, 5: 32e9 };

/** PCIe 3.0 and later encode 128 payload bits in 130. */
const PCIE_ENCODING = 128 / 130;

/**
 * One direction of a PCIe link: transfers/s × lanes × 128/130 / 8 bits. Gen4 x16 gives 31.5 GB/s,
 * the "64 GB/s" of datasheets being both directions together.
 */
export function pcieBytesPerSecond(generation: PcieGeneration, lanes: number): number {
  return (PCIE_TRANSFERS_PER_SECOND[generation] * lanes * PCIE_ENCODING) / 8;
}
