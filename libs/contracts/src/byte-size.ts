const SIZE_UNITS: Record<string, number> = {
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

/**
 * Bytes from a number or a string such as "72GiB", "512 MiB" or "1000000" (decimal and binary
 * units, any case). Throws a RangeError that shows the accepted forms.
 */
export function parseBytes(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
    const unit = match?.[2].toLowerCase() || 'b';
    if (match && unit in SIZE_UNITS) return Math.floor(Number(match[1]) * SIZE_UNITS[unit]);
  }
  throw new RangeError(`not a size: ${JSON.stringify(value)} (use bytes, or "72GiB", "512MiB")`);
}
