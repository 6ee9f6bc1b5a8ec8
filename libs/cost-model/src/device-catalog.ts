import type { DeviceSpec } from './device-spec.js';
import { BYTES_PER_GIB, gbPerSecond, teraflops } from './units.js';

/**
 * Public datasheet figures for common inference devices. Memory sizes are the nominal GB taken
 * as GiB (GPU memory comes in binary sizes; the driver reports a little less, which the worker's
 * own budget accounts for). FP16 rates are dense tensor-core figures: where a datasheet gives
 * "with sparsity" numbers, they are halved here.
 */
export const DEVICE_CATALOG = {
  // NVIDIA H200 datasheet (SXM): 141 GB HBM3e, 4.8 TB/s, FP16 Tensor 1,979 TFLOPS with sparsity,
  // NVLink 900 GB/s, PCIe Gen5 128 GB/s (both directions).
  h200: gpu('h200', 'NVIDIA H200 SXM', 141, 4800, 989.5, { generation: 5, nvlinkGBps: 900 }),
  // NVIDIA H100 datasheet, SXM: 80 GB HBM3, 3.35 TB/s, FP16 Tensor 1,979 TFLOPS with sparsity,
  // NVLink 900 GB/s, PCIe Gen5 128 GB/s.
  'h100-sxm': gpu('h100-sxm', 'NVIDIA H100 SXM', 80, 3350, 989.5, {
    generation: 5,
    nvlinkGBps: 900,
  }),
  // Same datasheet, PCIe: 80 GB HBM2e, 2 TB/s, FP16 Tensor 1,513 TFLOPS with sparsity, PCIe Gen5,
  // NVLink bridge 600 GB/s.
  'h100-pcie': gpu('h100-pcie', 'NVIDIA H100 PCIe', 80, 2000, 756.5, {
    generation: 5,
    nvlinkGBps: 600,
  }),
  // NVIDIA A100 datasheet, 40 GB PCIe: HBM2 1,555 GB/s, FP16 Tensor 312 TFLOPS (624 sparse),
  // PCIe Gen4 64 GB/s, NVLink bridge 600 GB/s.
  'a100-40gb': gpu('a100-40gb', 'NVIDIA A100 40GB PCIe', 40, 1555, 312, {
    generation: 4,
    nvlinkGBps: 600,
  }),
  // Same datasheet, 80 GB SXM: HBM2e 2,039 GB/s, FP16 Tensor 312 TFLOPS, NVLink 600 GB/s, PCIe Gen4.
  'a100-80gb': gpu('a100-80gb', 'NVIDIA A100 80GB SXM', 80, 2039, 312, {
    generation: 4,
    nvlinkGBps: 600,
  }),
  // NVIDIA L40S datasheet: 48 GB GDDR6, 864 GB/s, FP16 Tensor 362.05 TFLOPS (733 sparse), PCIe Gen4 x16.
  l40s: gpu('l40s', 'NVIDIA L40S', 48, 864, 362.05, { generation: 4 }),
  // NVIDIA L4 datasheet: 24 GB GDDR6, 300 GB/s, FP16 Tensor 242 TFLOPS with sparsity, PCIe Gen4 x16.
  l4: gpu('l4', 'NVIDIA L4', 24, 300, 121, { generation: 4 }),
  // NVIDIA A10 datasheet: 24 GB GDDR6, 600 GB/s, FP16 Tensor 125 TFLOPS (250 sparse), PCIe Gen4 x16.
  a10: gpu('a10', 'NVIDIA A10', 24, 600, 125, { generation: 4 }),
  // NVIDIA T4 datasheet: 16 GB GDDR6, 320 GB/s, mixed-precision FP16/FP32 65 TFLOPS, PCIe Gen3 x16.
  t4: gpu('t4', 'NVIDIA T4', 16, 320, 65, { generation: 3 }),
  // NVIDIA Ada (AD102) whitepaper, RTX 4090: 24 GB GDDR6X, 1,008 GB/s, FP16 Tensor with FP32
  // accumulate 165.2 TFLOPS (330.3 sparse), PCIe Gen4 x16.
  'rtx-4090': gpu('rtx-4090', 'NVIDIA GeForce RTX 4090', 24, 1008, 165.2, { generation: 4 }),
  // NVIDIA Ampere (GA102) whitepaper, RTX 3090: 24 GB GDDR6X, 936 GB/s, FP16 Tensor with FP32
  // accumulate 71 TFLOPS (142 sparse), PCIe Gen4 x16.
  'rtx-3090': gpu('rtx-3090', 'NVIDIA GeForce RTX 3090', 24, 936, 71, { generation: 4 }),
  // A generic CPU host: 64 GiB of dual-channel DDR5-4800 (2 × 38.4 GB/s) and 16 cores with two
  // 256-bit FMA units each at 2.4 GHz (16 × 2.4 GHz × 32 FLOP/cycle ≈ 1.23 TFLOPS). Predictions
  // for host-resident work use the HostSpec (measured per host), not these peaks.
  cpu: {
    id: 'cpu',
    name: 'Generic CPU host',
    kind: 'cpu',
    memoryBytes: 64 * BYTES_PER_GIB,
    memoryBandwidthBytesPerSecond: gbPerSecond(76.8),
    fp16FlopsPerSecond: teraflops(1.23),
    interconnect: { kind: 'host-memory' },
  },
} as const satisfies Record<string, DeviceSpec>;

/** Ids of the devices in DEVICE_CATALOG. */
export type CatalogDeviceId = keyof typeof DEVICE_CATALOG;

/** A set of devices by id: the built-in catalog, extended or replaced per fleet. */
export type DeviceCatalog = Readonly<Record<string, DeviceSpec>>;

function gpu(
  id: string,
  name: string,
  memoryGiB: number,
  bandwidthGBps: number,
  fp16Tflops: number,
  link: { generation: 3 | 4 | 5; nvlinkGBps?: number },
): DeviceSpec {
  return {
    id,
    name,
    kind: 'cuda',
    memoryBytes: memoryGiB * BYTES_PER_GIB,
    memoryBandwidthBytesPerSecond: gbPerSecond(bandwidthGBps),
    fp16FlopsPerSecond: teraflops(fp16Tflops),
    interconnect: { kind: 'pcie', generation: link.generation, lanes: 16 },
    ...(link.nvlinkGBps === undefined
      ? {}
      : { nvlinkBytesPerSecond: gbPerSecond(link.nvlinkGBps) }),
  };
}

/**
 * The catalog device a driver-reported GPU name refers to (e.g. "NVIDIA H100 80GB HBM3" is the
 * SXM part, "NVIDIA H100 PCIe" the PCIe one), or undefined when none matches.
 */
export function matchCatalogDevice(
  gpuName: string,
  catalog: DeviceCatalog = DEVICE_CATALOG,
): DeviceSpec | undefined {
  const name = gpuName.toLowerCase();
  const rules: [RegExp, string][] = [
    [/h200/, 'h200'],
    [/h100.*pcie/, 'h100-pcie'],
    [/h100/, 'h100-sxm'],
    [/a100.*(80|sxm)/, 'a100-80gb'],
    [/a100/, 'a100-40gb'],
    [/l40s/, 'l40s'],
    [/\bl4\b/, 'l4'],
    [/\ba10\b/, 'a10'],
    [/\bt4\b/, 't4'],
    [/4090/, 'rtx-4090'],
    [/3090/, 'rtx-3090'],
  ];
  const rule = rules.find(([pattern]) => pattern.test(name));
  return rule === undefined ? undefined : catalog[rule[1]];
}
