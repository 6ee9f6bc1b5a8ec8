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
  /** See sharedRegistry (undefined until asked). */
  private shared: { live: PolicyWorker[]; models: Set<string> } | null | undefined;
  private readonly servable = new Map<PolicyWorker, Set<string>>();
  private readonly copies = new Map<string, Set<PolicyWorker>>();
  private readonly copyLists = new Map<string, PolicyWorker[]>();
  private readonly virtualCopies = new Map<string, Map<PolicyWorker, number>>();

  /** `byId`: the plan's workers sorted by id (asked for on first use). */
  constructor(private readonly byId: () => PolicyWorker[]) {}

  /** Live workers that can serve `model`, by id. */
  candidates(model: string): readonly PolicyWorker[] {
    const shared = this.sharedRegistry();
    if (shared) return shared.models.has(model) ? shared.live : NONE;
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

  /** Whether the worker has `model` in its registry. */
  serves(worker: PolicyWorker, model: string): boolean {
    const shared = this.sharedRegistry();
    if (shared && !worker.draining) return shared.models.has(model);
    let models = this.servable.get(worker);
    if (!models) {
      models = new Set(worker.models);
      this.servable.set(worker, models);
    }
    return models.has(model);
  }

  /**
   * The live workers and their registry when every live worker has the same one (the usual
   * fleet: the same models directory everywhere), else null. Then every model's candidates are
   * one list: on 256 workers and 64 models, listing them per model was a tenth of a round.
   */
  private sharedRegistry(): { live: PolicyWorker[]; models: Set<string> } | null {
    if (this.shared === undefined) {
      const live = this.byId().filter((w) => !w.draining);
      const first = live[0]?.models;
      const same =
        first !== undefined && live.every((w) => w.models === first || sameList(w.models, first));
      this.shared = same ? { live, models: new Set(first) } : null;
    }
    return this.shared;
  }

  /**
   * Every model's candidates in one pass over the registries: once a round has asked about a
   * few models it is likely to ask about many (a long window), and a registry search per model
   * and worker then cost a millisecond a round.
   */
  private listAll(): void {
    const lists = new Map<string, PolicyWorker[]>();
    for (const worker of this.byId()) {
      if (worker.draining) continue;
      for (const name of worker.models) {
        const list = lists.get(name);
        if (!list) lists.set(name, [worker]);
        else if (list.at(-1) !== worker) list.push(worker);
      }
    }
    for (const [name, list] of lists) {
      if (!this.candidateLists.has(name)) this.candidateLists.set(name, list);
    }
    this.allListed = true;
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

/** True when both registries list the same models in the same order. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
