import type { PolicyWorker } from './snapshot.js';

/**
 * Values per (worker, model), found by the worker object (or another object, such as a group of
 * workers) and the model name, without building string keys.
 */
export class WorkerModelMap<T, K extends object = PolicyWorker> {
  private readonly byWorker = new Map<K, Map<string, T>>();

  /** The value for the pair, if any. */
  get(worker: K, model: string): T | undefined {
    return this.byWorker.get(worker)?.get(model);
  }

  /** Whether the pair has a value. */
  has(worker: K, model: string): boolean {
    return this.byWorker.get(worker)?.has(model) ?? false;
  }

  /** Sets the value for the pair. */
  set(worker: K, model: string, value: T): void {
    let byModel = this.byWorker.get(worker);
    if (!byModel) {
      byModel = new Map<string, T>();
      this.byWorker.set(worker, byModel);
    }
    byModel.set(model, value);
  }

  /** Removes the pair's value. */
  delete(worker: K, model: string): void {
    this.byWorker.get(worker)?.delete(model);
  }
}
