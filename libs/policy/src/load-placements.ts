import { compareIds, formatBytes, formatMs } from './format.js';
import { allocateOffload } from './offload-allocator.js';
import { offloadCandidate } from './offload-candidate.js';
import type { Note, PlanStep } from './plan-option.js';
import type { RoundState } from './round-state.js';
import type { PolicyLoadedModel, PolicyWorker } from './snapshot.js';
import { WorkerModelMap } from './worker-model-map.js';

/** How a model could come to a worker that does not hold it; the same for every job of the model. */
export interface LoadPlacement {
  kind: 'load' | 'evict' | 'shrink' | 'wait-memory';
  gpuLayers: number;
  /** When a job could start there (epoch ms). */
  startAt: number;
  harmMs: number;
  steps: PlanStep[];
  dispatchNow: boolean;
  note: Note;
}

interface Cached {
  version: number;
  takeFree: boolean;
  placements: LoadPlacement[];
}

/** The placements that start now (load, evict, shrink), and whether the copy would be short. */
interface NowPlacements extends Cached {
  capacity: boolean;
  short: boolean;
}

/**
 * The ways to bring a model to a worker: a load into free memory (partially offloaded when that
 * is all that fits), a load after evicting idle models past their residency or after shrinking
 * idle models with demand (by the greedy sensitivity split), or waiting for memory. They do not
 * depend on the job, so they are computed once per worker state and model: those that start now
 * once per state of its slots, memory and loads; waiting for memory, which also reads its queue,
 * again when a waiting job books it.
 */
export class LoadPlacements {
  private readonly cache = new WorkerModelMap<Cached>();
  private readonly nowCache = new WorkerModelMap<NowPlacements>();

  constructor(private readonly round: RoundState) {}

  /** The placements of `model` on the worker; `takeFree` false when it may not take a free slot. */
  on(worker: PolicyWorker, model: string, takeFree: boolean): LoadPlacement[] {
    const version = this.round.version(worker);
    const cached = this.cache.get(worker, model);
    if (cached && cached.version === version && cached.takeFree === takeFree) {
      return cached.placements;
    }
    const now = this.startingNow(worker, model, takeFree);
    let placements = now.placements;
    if (now.short && !this.round.copies.hasVirtualCopy(worker, model)) {
      placements = [...placements, ...this.waitMemory(worker, model, now.capacity)];
    }
    this.cache.set(worker, model, { version, takeFree, placements });
    return placements;
  }

  private startingNow(worker: PolicyWorker, model: string, takeFree: boolean): NowPlacements {
    const r = this.round;
    const version = r.stateVersion(worker);
    const cached = this.nowCache.get(worker, model);
    if (cached && cached.version === version && cached.takeFree === takeFree) return cached;
    const top = r.oracle.topLevel(model, worker);
    const capacity = takeFree && r.hasCapacity(worker);
    const placements: LoadPlacement[] = [];
    let freeLevel: number | undefined;
    if (capacity) {
      freeLevel = r.levelWithin(worker, model, r.plan.freeMemory(worker));
      if (freeLevel !== undefined) placements.push(this.load(worker, model, freeLevel, []));
      if (freeLevel === undefined || freeLevel < top) {
        placements.push(
          ...this.evict(worker, model, freeLevel),
          ...this.shrink(worker, model, freeLevel),
        );
      }
    }
    const short = !capacity || freeLevel === undefined || freeLevel < top;
    const entry = { version, takeFree, placements, capacity, short };
    this.nowCache.set(worker, model, entry);
    return entry;
  }

  /** Loads the model after `before` (unloads, re-offloads); a job runs behind the load. */
  private load(
    worker: PolicyWorker,
    model: string,
    gpuLayers: number,
    before: PlanStep[],
    kind: LoadPlacement['kind'] = 'load',
    harmMs = 0,
    note: Note = '',
  ): LoadPlacement {
    const r = this.round;
    const loadMs = r.oracle.loadMs(model, worker, gpuLayers);
    const memoryBytes = r.oracle.memoryAt(model, worker, gpuLayers);
    const reloadsMs = before.reduce((sum, s) => sum + (s.type === 'reoffload' ? s.ms : 0), 0);
    return {
      kind,
      gpuLayers,
      startAt: r.commandsFreeAt(worker) + reloadsMs + loadMs,
      harmMs,
      steps: [...before, { type: 'load', gpuLayers, memoryBytes, ms: loadMs }],
      dispatchNow: true,
      note,
    };
  }

  /** Evicts idle models past their minimum residency (those without demand, least recent first). */
  private evict(
    worker: PolicyWorker,
    model: string,
    freeLevel: number | undefined,
  ): LoadPlacement[] {
    const r = this.round;
    const top = r.oracle.topLevel(model, worker);
    const victims = worker.loaded
      .filter((m) => r.isIdle(worker, m) && r.evictableAt(m) <= r.now)
      .sort(
        (a, b) =>
          Number(r.demand.waiting(a.model) > 0) - Number(r.demand.waiting(b.model) > 0) ||
          a.lastUsedAt - b.lastUsedAt ||
          compareIds(a.model, b.model),
      );
    let bytes = r.plan.freeMemory(worker);
    const chosen: PolicyLoadedModel[] = [];
    for (const victim of victims) {
      if (r.levelWithin(worker, model, bytes) === top) break;
      chosen.push(victim);
      bytes += victim.memoryBytes;
    }
    const level = r.levelWithin(worker, model, bytes);
    if (chosen.length === 0 || level === undefined) return [];
    if (freeLevel !== undefined && level <= freeLevel) return [];
    const steps: PlanStep[] = chosen.map((m) => ({
      type: 'unload',
      model: m.model,
      reloadMs: r.oracle.loadMs(m.model, worker, m.gpuLayers),
    }));
    const harmMs = chosen.reduce((sum, m, i) => {
      const step = steps[i];
      return sum + (step.type === 'unload' ? step.reloadMs * this.reloadsExpected(m) : 0);
    }, 0);
    const note = () =>
      `evicts idle ${chosen.map((m) => m.model).join(', ')} (reload ${formatMs(harmMs)})`;
    return [this.load(worker, model, level, steps, 'evict', harmMs, note)];
  }

  /**
   * How many times an evicted copy's reload is expected to be paid: once for the copy itself,
   * once more for each job of the window waiting for its model (each is delayed by it), and once
   * more when it was used within the minimum residency (it is likely needed again soon: without
   * this, small models were evicted and reloaded again and again for each other's jobs).
   */
  private reloadsExpected(loaded: PolicyLoadedModel): number {
    const r = this.round;
    const recent = loaded.lastUsedAt + r.settings.minResidencyMs > r.now ? 1 : 0;
    return 1 + r.demand.waitingJobs(loaded.model) + recent;
  }

  /**
   * Shrinks idle models' GPU shares to make room, where the greedy sensitivity allocation over
   * them and the new model gives the new one more layers than free memory does. Only models with
   * demand waiting are shrunk: one without is better evicted (a shrink reloads it now and again
   * when it grows back).
   */
  private shrink(
    worker: PolicyWorker,
    model: string,
    freeLevel: number | undefined,
  ): LoadPlacement[] {
    const r = this.round;
    const o = r.oracle;
    if (!o.canOffloadPartially(model, worker)) return [];
    const shrinkable = worker.loaded
      .filter(
        (m) =>
          r.isIdle(worker, m) &&
          r.evictableAt(m) <= r.now &&
          r.demand.tokensOn(worker, m.model) > 0 &&
          o.canOffloadPartially(m.model, worker) &&
          m.gpuLayers > o.minShrinkLevel(m.model, worker),
      )
      .sort((a, b) => compareIds(a.model, b.model));
    if (shrinkable.length === 0) return [];
    const fixedBytes = worker.loaded
      .filter((m) => !shrinkable.includes(m))
      .reduce((sum, m) => sum + m.memoryBytes, 0);
    const candidates = [
      ...shrinkable.map((m) =>
        offloadCandidate(
          o,
          worker,
          m.model,
          o.minShrinkLevel(m.model, worker),
          m.gpuLayers,
          r.demand.tokensOn(worker, m.model),
        ),
      ),
      // The window's demand for the model, the job itself included.
      offloadCandidate(
        o,
        worker,
        model,
        o.minLevel(model, worker),
        o.topLevel(model, worker),
        r.demand.waiting(model),
      ),
    ];
    const chosen = allocateOffload(candidates, worker.memoryBudgetBytes - fixedBytes);
    if (!chosen) return [];
    const level = candidates.at(-1)!.levels[chosen.at(-1)!];
    if (freeLevel !== undefined && level <= freeLevel) return [];
    const steps: PlanStep[] = [];
    let hostGrowth = o.hostBytesAt(model, worker, level);
    shrinkable.forEach((m, i) => {
      const to = candidates[i].levels[chosen[i]];
      if (to >= m.gpuLayers) return;
      const tokens = r.demand.tokensOn(worker, m.model);
      steps.push({
        type: 'reoffload',
        model: m.model,
        from: m.gpuLayers,
        gpuLayers: to,
        memoryBytes: o.memoryAt(m.model, worker, to),
        ms: o.loadMs(m.model, worker, to),
        lossMs:
          tokens * (o.msPerToken(m.model, worker, to) - o.msPerToken(m.model, worker, m.gpuLayers)),
      });
      hostGrowth +=
        o.hostBytesAt(m.model, worker, to) - o.hostBytesAt(m.model, worker, m.gpuLayers);
    });
    if (steps.length === 0 || hostGrowth > r.hostFree(worker)) return [];
    const harmMs = steps.reduce(
      (sum, s) => sum + (s.type === 'reoffload' ? s.ms + s.lossMs : 0),
      0,
    );
    const note = () =>
      steps
        .map((s) => (s.type === 'reoffload' ? `shrinks ${s.model} ${s.from}→${s.gpuLayers}` : ''))
        .join(', ');
    return [this.load(worker, model, level, steps, 'shrink', harmMs, note)];
  }

  /**
   * Waits until enough memory frees for the most layers the worker's budget allows: idle copies
   * once their residency ends, busy ones once their queue drains, soonest first.
   */
  private waitMemory(worker: PolicyWorker, model: string, capacity: boolean): LoadPlacement[] {
    const r = this.round;
    const level = r.levelWithin(worker, model, worker.memoryBudgetBytes);
    if (level === undefined) return [];
    const need = r.oracle.memoryAt(model, worker, level);
    const sources = worker.loaded
      .map((m): MemorySource => {
        const drained = r.isIdle(worker, m) ? r.now : r.times.copyIdleAt(worker, m.model);
        const resident = r.evictableAt(m);
        const at = Math.max(resident, drained);
        return { bytes: m.memoryBytes, at, model: m.model, residency: resident > drained };
      })
      .sort((a, b) => a.at - b.at || compareIds(why(a), why(b)));
    let bytes = r.plan.freeMemory(worker);
    let at = r.now;
    let when: MemorySource | undefined;
    for (const source of sources) {
      if (bytes >= need) break;
      bytes += source.bytes;
      if (source.at >= at) [at, when] = [source.at, source];
    }
    if (bytes < need || (at <= r.now && capacity)) return [];
    const loadMs = r.oracle.loadMs(model, worker, level);
    const slotAt = r.times.workerFreeAt(worker);
    const startAt = Math.max(at, slotAt, r.commandsFreeAt(worker)) + loadMs;
    if (!Number.isFinite(startAt)) return [];
    const now = r.now;
    const note = () =>
      `${formatBytes(need)} free on ${worker.id} in ${formatMs(at - now)}` +
      (when ? ` when ${why(when)}` : '') +
      (slotAt > at ? `, a slot in ${formatMs(slotAt - now)}` : '');
    return [
      {
        kind: 'wait-memory',
        gpuLayers: level,
        startAt,
        harmMs: 0,
        steps: [],
        dispatchNow: false,
        note,
      },
    ];
  }
}

/** Memory a copy on the worker frees, and when (see waitMemory). */
interface MemorySource {
  bytes: number;
  at: number;
  model: string;
  /** True when its minimum residency ends after its jobs do. */
  residency: boolean;
}

/** Why a source frees its memory when it does, in words. */
function why(source: MemorySource): string {
  return source.residency
    ? `the minimum residency of ${source.model} ends`
    : `the jobs of ${source.model} end`;
}
