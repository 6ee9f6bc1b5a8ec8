import type { CostModel, CostQuery } from '#switchyard/cost-model';
import type { ModelCosts } from './model-costs.js';

/** A figure the policy asks the cost model for, per GPU-layer count. */
export type CurveMetric = 'decode' | 'prefill' | 'load' | 'coldLoad' | 'gpu' | 'host';

/**
 * The cost model's figures for one model on one device (threads and context fixed), by GPU-layer
 * count, each computed on first use: decode and prefill tokens/s, warm and cold load ms, GPU and host
 * bytes. 0 where the cost model cannot answer (the caller falls back). On a CPU device every
 * count reads the figures at 0.
 */
export class ModelCurves {
  private readonly values: Record<CurveMetric, Float64Array>;
  /** The fewest GPU layers a copy is shrunk to (see CostOracle.minShrinkLevel), once computed. */
  minShrinkLevel: number | undefined;
  /** The last round's costs derived from these curves, for GPU and CPU workers (a cache). */
  readonly costs: (ModelCosts | undefined)[] = [undefined, undefined];

  constructor(
    private readonly costModel: CostModel,
    readonly query: Omit<CostQuery, 'gpuLayers'>,
    private readonly cpu: boolean,
  ) {
    // NaN marks a figure not computed yet; levels run from 0 to layers + 1.
    const empty = () => new Float64Array(query.model.layers + 2).fill(NaN);
    this.values = {
      decode: empty(),
      prefill: empty(),
      load: empty(),
      coldLoad: empty(),
      gpu: empty(),
      host: empty(),
    };
  }

  /** The figure at `gpuLayers`. */
  at(metric: CurveMetric, gpuLayers: number): number {
    const level = this.cpu ? 0 : gpuLayers;
    const values = this.values[metric];
    let value = values[level];
    if (Number.isNaN(value) || value === undefined) {
      value = this.compute(metric, { ...this.query, gpuLayers: level });
      if (level < values.length) values[level] = value;
    }
    return value;
  }

  private compute(metric: CurveMetric, query: CostQuery): number {
    try {
      const value =
        metric === 'decode'
          ? this.costModel.predictDecodeTokensPerSecond(query)
          : metric === 'prefill'
            ? this.costModel.predictPrefillTokensPerSecond(query)
            : metric === 'load' || metric === 'coldLoad'
              ? this.costModel.predictLoadMs(query, metric === 'load' ? 'warm' : 'cold')
              : metric === 'gpu'
                ? this.costModel.predictMemory(query).gpuBytes
                : this.costModel.predictMemory(query).hostBytes;
      return Number.isFinite(value) && value > 0 ? value : 0;
    } catch {
      // An inconsistent spec or level: the caller's fallback applies.
      return 0;
    }
  }
}
