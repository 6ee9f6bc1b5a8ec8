import type { ModelMeasurement } from './model-profiler.js';
import { median } from './statistics.js';

/** A time and the bytes moved in it. */
export interface Cost {
  ms: number;
  bytes: number;
}

/**
 * The measured price of each way to take a running sequence off a model and bring it back, for
 * the sequence the profiler saved: reload the model (warm: from the page cache; cold: from
 * storage), move the KV state out and back (save + restore, the file's bytes each way), or
 * recompute the KV from the tokens (only token ids move).
 */
export interface PreemptionBreakdown {
  model: string;
  threads: number;
  gpuLayers: number;
  /** Tokens of the sequence. */
  tokens: number;
  reloadWarm: Cost;
  /** Absent when no cold load could be measured. */
  reloadCold?: Cost;
  kvSaveRestore: Cost & { saveMs: number; restoreMs: number };
  recompute: Cost;
}

/** The breakdown of one measurement (reload at the level the KV was measured at). */
export function preemptionBreakdown(m: ModelMeasurement): PreemptionBreakdown {
  const level =
    m.levels.find((l) => l.gpuLayers === m.kv.gpuLayers) ?? m.levels[m.levels.length - 1]!;
  return {
    model: m.model,
    threads: m.threads,
    gpuLayers: m.kv.gpuLayers,
    tokens: m.kv.tokens,
    reloadWarm: { ms: median(level.loadWarmMs), bytes: m.fileBytes },
    ...(m.cold.ms === undefined ? {} : { reloadCold: { ms: m.cold.ms, bytes: m.fileBytes } }),
    kvSaveRestore: {
      ms: m.kv.saveMs + m.kv.restoreMs,
      bytes: 2 * m.kv.stateBytes,
      saveMs: m.kv.saveMs,
      restoreMs: m.kv.restoreMs,
    },
    // Token ids only: 4 bytes each.
    recompute: { ms: (m.kv.tokens / m.recompute.tokensPerSecond) * 1000, bytes: 4 * m.kv.tokens },
  };
}
