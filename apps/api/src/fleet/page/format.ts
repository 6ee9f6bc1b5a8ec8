import type { PriorityClass } from './contracts.js';

/** The color of each class, in every chart, chip and tile. */
export const CLASS_COLORS: Record<PriorityClass, string> = {
  interactive: '#f5b942',
  standard: '#4cc2ff',
  batch: '#a78bfa',
};

/** The color of decode throughput in the charts. */
export const RATE_COLOR = '#3ddc97';

// Loaded models get a color from this list by their name, the same on every card.
const MODEL_COLORS = ['#4cc2ff', '#f5b942', '#a78bfa', '#3ddc97', '#ff7a90', '#7dd3fc', '#fcd34d'];

/** A stable color for a model name. */
export function modelColor(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return MODEL_COLORS[hash % MODEL_COLORS.length];
}

/** Bytes in binary units: 5.5 MiB, 1.2 GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** A count with thousands separators; rates keep one decimal below 100. */
export function formatNumber(value: number): string {
  return value < 100 && !Number.isInteger(value)
    ? value.toFixed(1)
    : Math.round(value).toLocaleString('en-US');
}

/** A duration in the largest fitting unit: 850 ms, 3.2 s, 4 min, 2 h. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 10) return `${abs.toFixed(abs < 1 ? 2 : 1)} ms`;
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(abs / 1000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${Math.round(abs / 60_000)} min`;
  return `${(abs / 3_600_000).toFixed(1)} h`;
}

/** How long ago `at` was, from `now`. */
export function ago(at: number, now: number): string {
  return now - at < 1000 ? 'just now' : `${formatDuration(now - at)} ago`;
}

/** When `at` comes, from `now`: "in 3.2 s", or "now" once it is due. */
export function fromNow(at: number, now: number): string {
  return at <= now ? 'now' : `in ${formatDuration(at - now)}`;
}

/** Wall-clock time of day, HH:MM. */
export function clockMinutes(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', {
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** Wall-clock time of day, HH:MM:SS. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false });
}

/** Job and worker ids are long (UUIDs, host-pid-random): the first characters tell them apart. */
export function shortId(id: string, length = 8): string {
  return id.length <= length + 1 ? id : `${id.slice(0, length)}…`;
}
