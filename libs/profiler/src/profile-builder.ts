import {
  emptyModelProfile,
  type LevelMeasurement,
  type Measurement,
  type ModelProfile,
} from '#switchyard/cost-model';
import type { ModelMeasurement } from './model-profiler.js';
import { median } from './statistics.js';

/**
 * One ModelProfile from the profiler's measurements of a model on a device (any thread counts):
 * decode (alone and batched, each batch beside the single rate of its run) and prefill per level
 * and thread count; loads, KV state and recompute per level or
 * overall, pooled over the thread counts, which they barely depend on. Recompute is the
 * exception: prompt processing scales with threads, and the profile holds one rate, so it is
 * taken at `servingThreads` (the worker's thread count) when that was measured, else at the
 * fewest threads measured.
 */
export function buildModelProfile(
  measurements: readonly ModelMeasurement[],
  servingThreads?: number,
): ModelProfile {
  const first = measurements[0];
  if (first === undefined) throw new RangeError('no measurement to build a profile from');
  for (const m of measurements) {
    if (m.model !== first.model || m.device !== first.device) {
      throw new RangeError(
        `measurements of ${m.model} on ${m.device} mixed with ${first.model} on ${first.device}`,
      );
    }
  }
  const profile = emptyModelProfile(first.model, first.device);
  for (const m of measurements) {
    for (const level of m.levels) {
      const at = { gpuLayers: level.gpuLayers, threads: m.threads };
      profile.decodeTokensPerSecond.push({
        ...at,
        value: level.decodeTokensPerSecond,
        samples: level.decodeRuns.length,
      });
      profile.prefillTokensPerSecond.push({
        ...at,
        value: level.prefillTokensPerSecond,
        samples: level.prefillRuns.length,
      });
      for (const batch of level.batchDecode ?? []) {
        (profile.decodeBatchTokensPerSecond ??= []).push({
          ...at,
          sequences: batch.sequences,
          value: batch.tokensPerSecond,
          singleTokensPerSecond: level.decodeTokensPerSecond,
          samples: batch.runs.length,
        });
      }
    }
  }
  const byLevel = (pick: (m: ModelMeasurement) => [gpuLayers: number, ms: number][]) => {
    const samples = new Map<number, number[]>();
    for (const m of measurements) {
      for (const [gpuLayers, ms] of pick(m))
        samples.set(gpuLayers, [...(samples.get(gpuLayers) ?? []), ms]);
    }
    return [...samples]
      .sort(([a], [b]) => a - b)
      .map(([gpuLayers, values]): LevelMeasurement => ({
        gpuLayers,
        value: median(values),
        samples: values.length,
      }));
  };
  profile.loadColdMs = byLevel((m) =>
    m.cold.ms === undefined ? [] : [[m.cold.gpuLayers, m.cold.ms]],
  );
  profile.loadWarmMs = byLevel((m) =>
    m.levels.flatMap((l) => l.loadWarmMs.map((ms): [number, number] => [l.gpuLayers, ms])),
  );

  const pooled = (values: number[], samples: number): Measurement => ({
    value: median(values),
    samples,
  });
  const runs = (pick: (m: ModelMeasurement) => number[]) =>
    measurements.reduce((n, m) => n + pick(m).length, 0);
  profile.kvSaveMsPerToken = pooled(
    measurements.map((m) => m.kv.saveMs / m.kv.tokens),
    runs((m) => m.kv.saveRuns),
  );
  profile.kvRestoreMsPerToken = pooled(
    measurements.map((m) => m.kv.restoreMs / m.kv.tokens),
    runs((m) => m.kv.restoreRuns),
  );
  profile.kvStateBytesPerToken = pooled(
    measurements.map((m) => m.kv.stateBytes / m.kv.tokens),
    measurements.length,
  );
  const fewest = [...measurements].sort((a, b) => a.threads - b.threads)[0]!;
  const serving = measurements.find((m) => m.threads === servingThreads) ?? fewest;
  profile.recomputeTokensPerSecond = {
    value: serving.recompute.tokensPerSecond,
    samples: serving.recompute.runs.length,
  };
  profile.updatedAt = Math.max(...measurements.map((m) => m.measuredAt));
  return profile;
}
