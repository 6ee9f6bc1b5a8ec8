const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
  tb: 1e12,
  tib: 1024 ** 4,
};

/** Parses a size such as "8GiB", "512 MiB" or "1000000" into bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match?.[2].toLowerCase() || 'b';
  if (!match || !(unit in UNITS)) throw new Error(`not a size: "${text}"`);
  return Math.floor(Number(match[1]) * UNITS[unit]);
}

/**
 * The memory a worker may fill: the configured size, or for 'auto' the free memory of its device
 * less a margin (10%, and at least 512 MiB on the host) for the runtime and everything else.
 */
export function resolveMemoryBudget(
  setting: string,
  device: { kind: string; gpuMemoryFreeBytes: number; ramFreeBytes: number },
): number {
  if (setting.toLowerCase() !== 'auto') return parseSize(setting);
  if (device.kind !== 'cpu') return Math.floor(device.gpuMemoryFreeBytes * 0.9);
  return Math.max(
    0,
    Math.floor(Math.min(device.ramFreeBytes * 0.9, device.ramFreeBytes - 512 * 1024 ** 2)),
  );
}
