export { parseBytes } from '#switchyard/contracts';

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds from a number (ms) or a string such as "1h", "30m", "90s", "250ms", "1.5h". */
export function parseDurationMs(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)$/i.exec(value.trim());
    if (match) return Number(match[1]) * DURATION_UNITS[match[2].toLowerCase()];
  }
  throw new RangeError(
    `not a duration: ${JSON.stringify(value)} (use ms, or "250ms", "90s", "30m", "1h")`,
  );
}

/** A duration for people: "850 ms", "12.3 s", "4.5 min", "2.1 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms === 0) return '0';
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(2)} h`;
}

/** Bytes for people, in binary units: "512 MiB", "72.0 GiB", "1.20 TiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  if (bytes < 1024 ** 4) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${(bytes / 1024 ** 4).toFixed(2)} TiB`;
}
