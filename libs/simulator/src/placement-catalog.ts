import type { CostModel, ModelSpec } from '#switchyard/cost-model';
import type { PolicyModel } from '#switchyard/policy';
import { PlacementRates } from './placement-rates.js';
import type { SimWorker } from './sim-worker.js';

/** The cost model's rates per placement (model, device, offload level, threads), computed once each. */
export class PlacementCatalog {
  private readonly rates = new Map<string, PlacementRates>();

  constructor(
    private readonly costModel: CostModel,
    private readonly contextSize: number,
  ) {}

  /** The rates of a model on a worker at an offload level (0 layers on a CPU worker). */
  ratesFor(spec: ModelSpec, worker: SimWorker, gpuLayers: number): PlacementRates {
    const resolved = worker.device.kind === 'cpu' ? 0 : gpuLayers;
    const key = `${spec.name}\u0000${worker.group.device}\u0000${resolved}\u0000${worker.group.threads}`;
    let rates = this.rates.get(key);
    if (!rates) {
      rates = new PlacementRates(
        this.costModel,
        spec,
        worker.group.device,
        resolved,
        this.contextSize,
        worker.group.threads,
      );
      this.rates.set(key, rates);
    }
    return rates;
  }

  /**
   * The model as the scheduler lists it: the largest copy any worker that serves it reports
   * (all layers on the GPU, or all on the host for a CPU worker), as the live snapshot does.
   */
  policyModel(spec: ModelSpec, workers: readonly SimWorker[]): PolicyModel {
    let servers: readonly SimWorker[] = workers.filter((w) => w.servable.has(spec.name));
    if (servers.length === 0) servers = workers;
    const memoryBytes = Math.max(
      ...servers.map((w) => this.ratesFor(spec, w, spec.layers).memoryBytes),
    );
    return { name: spec.name, layers: spec.layers, fileBytes: spec.fileBytes, memoryBytes, spec };
  }
}
