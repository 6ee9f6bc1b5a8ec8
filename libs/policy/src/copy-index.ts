import type { PolicyWorker } from './snapshot.js';

/** Models whose candidates are listed one by one before all are listed at once. */
const LISTED_ONE_BY_ONE = 8;

/**
 * Where each model is, as a round plans it: the live workers that may serve it, those holding a
 * copy (kept sorted by id, re-sorted only after a change), and those where the round expects to
 * load it later ("virtual" copies, with their level, in the order planned).
 */
export class CopyIndex {
  private readonly candidateLists = new Map<string, PolicyWorker[]>();
  private placeOf: Map<PolicyWorker, number> | undefined;
  /** Whether every model in a registry has its list. */
  private allListed = false;
  private readonly servable = new Map<PolicyWorker, Set<string>>();
  private readonly copies = new Map<string, Set<PolicyWorker>>();
  private readonly copyLists = new Map<string, PolicyWorker[]>();
  private readonly virtualCopies = new Map<string, Map<PolicyWorker, number>>();

  /** `byId`: the plan's workers sorted by id (asked for on first use). */
  constructor(private readonly byId: () => PolicyWorker[]) {}

  /** Live workers that can serve `model`, by id. */
  candidates(model: string): readonly PolicyWorker[] {
    let list = this.candidateLists.get(model);
    if (!list) {
      if (this.allListed) return NONE;
      if (this.candidateLists.size >= LISTED_ONE_BY_ONE) {
        this.listAll();
        return this.candidateLists.get(model) ?? NONE;
      }
      list = this.byId().filter((w) => !w.draining && w.models.includes(model));
      this.candidateLists.set(model, list);
    }
    return list;
  }

  /**
   * Every model's candidates in one pass over the registries: once a round has asked about a
   * few models it is likely to ask about many (a long window), and a registry search per model
   * and worker then cost a millisecond a round. A model every live worker serves (the usual
   * fleet) shares one list of them: 64 copies of a 256-worker list were a tenth of what a
   * 128-job round on such a fleet allocated.
   */
  private listAll(): void {
    const live = this.byId().filter((worker) => !worker.draining);
    const counts = new Map<string, number>();
    for (const worker of live) {
      for (const name of worker.models) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const lists = new Map<string, PolicyWorker[]>();
    for (const worker of live) {
      for (const name of worker.models) {
        // A registry may name a model twice: counted twice, so not taken as served by all.
        if (counts.get(name) === live.length) continue;
        const list = lists.get(name);
        if (!list) lists.set(name, [worker]);
        else if (list.at(-1) !== worker) list.push(worker);
      }
    }
    for (const [name, count] of counts) {
      if (this.candidateLists.has(name)) continue;
      this.candidateLists.set(name, count === live.length ? live : lists.get(name)!);
    }
    this.allListed = true;
  }

  /** Whether the worker has `model` in its registry. */
  serves(worker: PolicyWorker, model: string): boolean {
    let models = this.servable.get(worker);
    if (!models) {
      models = new Set(worker.models);
      this.servable.set(worker, models);
    }
    return models.has(model);
  }

  /** Live workers holding a loaded copy of `model`, by id. */
  realCopies(model: string): PolicyWorker[] {
    let list = this.copyLists.get(model);
    if (!list) {
      // By id: by each worker's place in the plan's id order (compareIds once per round).
      const place = this.places();
      list = [...(this.copies.get(model) ?? [])].sort((a, b) => place.get(a)! - place.get(b)!);
      this.copyLists.set(model, list);
    }
    return list;
  }

  /** Each worker's place in the plan's id order. */
  private places(): Map<PolicyWorker, number> {
    if (!this.placeOf) {
      this.placeOf = new Map<PolicyWorker, number>();
      for (const [index, worker] of this.byId().entries()) this.placeOf.set(worker, index);
    }
    return this.placeOf;
  }

  /** Records a copy of `model` on a live worker. */
  addCopy(worker: PolicyWorker, model: string): void {
    let set = this.copies.get(model);
    if (!set) {
      set = new Set<PolicyWorker>();
      this.copies.set(model, set);
    }
    set.add(worker);
    this.copyLists.delete(model);
    this.virtualCopies.get(model)?.delete(worker);
  }

  /** Forgets an unloaded copy. */
  removeCopy(worker: PolicyWorker, model: string): void {
    this.copies.get(model)?.delete(worker);
    this.copyLists.delete(model);
  }

  /** Workers where the round expects to load `model` later, with the level, in the order planned. */
  virtualCopiesOf(model: string): ReadonlyMap<PolicyWorker, number> | undefined {
    return this.virtualCopies.get(model);
  }

  /** Whether some copy of `model` exists or is planned. */
  hasAnyCopy(model: string): boolean {
    return (
      (this.copies.get(model)?.size ?? 0) > 0 || (this.virtualCopies.get(model)?.size ?? 0) > 0
    );
  }

  /** Whether the round expects `model` on `worker` later. */
  hasVirtualCopy(worker: PolicyWorker, model: string): boolean {
    return this.virtualCopies.get(model)?.has(worker) ?? false;
  }

  /** Records that `model` should be loaded on the worker at `gpuLayers` once memory frees. */
  addVirtualCopy(worker: PolicyWorker, model: string, gpuLayers: number): void {
    let copies = this.virtualCopies.get(model);
    if (!copies) {
      copies = new Map<PolicyWorker, number>();
      this.virtualCopies.set(model, copies);
    }
    copies.set(worker, gpuLayers);
  }
}

const NONE: readonly PolicyWorker[] = [];
