import { cpus } from 'node:os';
import type { Llama } from 'node-llama-cpp';
import type { DeviceInfo, DeviceKind } from './engine-types.js';

/** Reads the device a Llama instance runs on, with current free memory. */
export async function probeDevice(llama: Llama): Promise<DeviceInfo> {
  const kind: DeviceKind = llama.gpu === false ? 'cpu' : llama.gpu;
  const ram = await llama.getRamState();
  let name = cpus()[0]?.model.trim() || 'cpu';
  let gpuMemoryTotalBytes = 0;
  let gpuMemoryFreeBytes = 0;
  if (kind !== 'cpu') {
    const [names, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
    if (names.length > 0) name = names.join(', ');
    gpuMemoryTotalBytes = vram.total;
    gpuMemoryFreeBytes = vram.free;
  }
  return {
    kind,
    name,
    gpuMemoryTotalBytes,
    gpuMemoryFreeBytes,
    ramTotalBytes: ram.total,
    ramFreeBytes: ram.free,
    physicalCores: llama.cpuMathCores,
  };
}
