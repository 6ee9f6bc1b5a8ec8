import { parseBytes } from '#switchyard/contracts';

/**
 * The memory a worker may fill: the configured size, or for 'auto' the free memory of its device
 * less a margin (10%, and at least 512 MiB on the host) for the runtime and everything else.
 */
export function resolveMemoryBudget(
  setting: string,
  device: { kind: string; gpuMemoryFreeBytes: number; ramFreeBytes: number },
): number {
  if (setting.toLowerCase() !== 'auto') return parseBytes(setting);
  if (device.kind !== 'cpu') return Math.floor(device.gpuMemoryFreeBytes * 0.9);
  return Math.max(
    0,
    Math.floor(Math.min(device.ramFreeBytes * 0.9, device.ramFreeBytes - 512 * 1024 ** 2)),
  );
}
