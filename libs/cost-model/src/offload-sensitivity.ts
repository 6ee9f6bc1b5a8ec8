import type { DeviceKind } from '#switchyard/contracts';
import { predictDecodeTokensPerSecond } from './decode-prediction.js';
import type { ModelSpec } from './model-spec.js';
import { DEFAULT_COST_ENVIRONMENT, type CostEnvironment, type Placement } from './placement.js';
import { maxGpuLayers, residencyOf } from './residency.js';
import { BYTES_PER_GIB } from './units.js';

/** Decode throughput at one offload level. */
export interface OffloadCurvePoint {
  gpuLayers: number;
  gpuWeightBytes: number;
  tokensPerSecond: number;
}

/** Decode throughput at every offload level from 0 to layers + 1, and the sensitivity it implies. */
export interface OffloadCurve {
  model: string;
  /** Ascending gpuLayers, one point per level. */
  points: OffloadCurvePoint[];
  /** Throughput with everything on the GPU (the last point). */
  fullTokensPerSecond: number;
  /** Throughput with nothing on the GPU (the first point). */
  noneTokensPerSecond: number;
  /** GPU weight bytes with everything on the GPU. */
  fullGpuWeightBytes: number;
  /** See offloadSensitivityPerGiB. */
  sensitivityPerGiB: number;
}

/**
 * Offload sensitivity: the fraction of full-residency decode throughput a model loses per GiB of
 * weights it gives up on the GPU, averaged over the whole curve (the chord from full residency to
 * none): S = (1 − tps(0) / tps(all)) / (GPU weight GiB at full residency). Units: 1/GiB; 0 when
 * nothing can leave the GPU (a CPU device). It answers the scheduler's question directly: taking
 * one GiB of GPU memory from which model costs the least relative throughput. Because the loss
 * saturates near 1 (host bandwidth is 1–2 orders below GPU bandwidth) for every model, S is about
 * the inverse of the model's GPU footprint, so small models rank as more sensitive, as the study
 * found. Measured per layer fraction instead of per GiB the formula would rank all models about
 * alike (slightly less for small ones, whose fixed per-token overhead dilutes the loss).
 */
export function offloadSensitivityPerGiB(points: readonly OffloadCurvePoint[]): number {
  const none = points[0];
  const full = points[points.length - 1];
  if (none === undefined || full === undefined || full.gpuWeightBytes === 0) return 0;
  const relativeLoss = 1 - none.tokensPerSecond / full.tokensPerSecond;
  return relativeLoss / (full.gpuWeightBytes / BYTES_PER_GIB);
}

/** The curve of a model on a device kind from any decode predictor (formula or profile). */
export function offloadCurve(
  model: ModelSpec,
  kind: DeviceKind,
  decodeAt: (gpuLayers: number) => number,
): OffloadCurve {
  const points: OffloadCurvePoint[] = [];
  for (let gpuLayers = 0; gpuLayers <= maxGpuLayers(model); gpuLayers++) {
    points.push({
      gpuLayers,
      gpuWeightBytes: residencyOf(model, gpuLayers, kind).gpuWeightBytes,
      tokensPerSecond: decodeAt(gpuLayers),
    });
  }
  const first = points[0];
  const last = points[points.length - 1];
  return {
    model: model.name,
    points,
    fullTokensPerSecond: last.tokensPerSecond,
    noneTokensPerSecond: first.tokensPerSecond,
    fullGpuWeightBytes: last.gpuWeightBytes,
    sensitivityPerGiB: offloadSensitivityPerGiB(points),
  };
}

/** The formula's curve for a placement (its gpuLayers is ignored), at kvTokens in the sequence. */
export function predictOffloadCurve(
  placement: Omit<Placement, 'gpuLayers'>,
  kvTokens = 0,
  env: CostEnvironment = DEFAULT_COST_ENVIRONMENT,
): OffloadCurve {
  return offloadCurve(placement.model, placement.device.kind, (gpuLayers) =>
    predictDecodeTokensPerSecond({ ...placement, gpuLayers }, kvTokens, env),
  );
}
