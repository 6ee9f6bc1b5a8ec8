import type { ModelMeasurement } from './model-profiler.js';
import type { PreemptionBreakdown } from './preemption-breakdown.js';
import { median } from './statistics.js';

/** Columns padded to their widest cell: the first left-aligned, the rest right-aligned. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Milliseconds with sensible precision: 0.42, 4.2, 42, 420. */
export function formatMs(ms: number): string {
  if (ms < 1) return ms.toFixed(2);
  if (ms < 10) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** Bytes in B, KiB, MiB or GiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${Math.round(bytes)} B`;
}

/** A rate with three significant figures. */
export function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3);
}

/** One row per model, thread count and offload level: everything the profiler measured. */
export function measurementTable(measurements: readonly ModelMeasurement[]): string {
  const rows = measurements.flatMap((m) =>
    m.levels.map((level) => [
      m.model,
      String(m.threads),
      `${level.gpuLayers}/${m.totalLayers}`,
      m.cold.ms === undefined ? '–' : formatMs(m.cold.ms),
      formatMs(median(level.loadWarmMs)),
      formatRate(level.prefillTokensPerSecond),
      formatRate(level.decodeTokensPerSecond),
      level.batchDecode?.length
        ? level.batchDecode.map((b) => `×${b.sequences} ${formatRate(b.tokensPerSecond)}`).join(' ')
        : '–',
      String(m.kv.tokens),
      formatBytes(m.kv.stateBytes / m.kv.tokens),
      formatMs(m.kv.saveMs),
      formatMs(m.kv.restoreMs),
      formatRate(m.recompute.tokensPerSecond),
      `${(m.otherLoad * 100).toFixed(0)} %`,
    ]),
  );
  return formatTable(
    [
      'model',
      'threads',
      'GPU layers',
      'load cold ms',
      'load warm ms',
      'prefill tok/s',
      'decode tok/s',
      'batched tok/s each',
      'KV tokens',
      'KV bytes/token',
      'save ms',
      'restore ms',
      'recompute tok/s',
      'other load',
    ],
    rows,
  );
}

/** One row per breakdown: the three preemption components side by side. */
export function preemptionTable(breakdowns: readonly PreemptionBreakdown[]): string {
  const rows = breakdowns.map((b) => [
    b.model,
    String(b.threads),
    String(b.tokens),
    `${formatMs(b.reloadWarm.ms)} ms / ${formatBytes(b.reloadWarm.bytes)}`,
    b.reloadCold ? `${formatMs(b.reloadCold.ms)} ms / ${formatBytes(b.reloadCold.bytes)}` : '–',
    `${formatMs(b.kvSaveRestore.ms)} ms / ${formatBytes(b.kvSaveRestore.bytes)}`,
    `${formatMs(b.recompute.ms)} ms / ${formatBytes(b.recompute.bytes)}`,
    `${(b.reloadWarm.ms / b.kvSaveRestore.ms).toFixed(0)}×`,
  ]);
  return formatTable(
    [
      'model',
      'threads',
      'tokens',
      'reload warm',
      'reload cold',
      'KV save+restore',
      'recompute',
      'reload / KV',
    ],
    rows,
  );
}
