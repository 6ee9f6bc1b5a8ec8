import { classRank } from '#switchyard/contracts';
import type { Decision, WaitReason } from './action.js';
import { CostOracle, type PredictionMemo } from './cost-oracle.js';
import { FleetPlan } from './fleet-plan.js';
import { compareIds } from './format.js';
import type { FleetSnapshot, PolicyJob, PolicyWorker } from './snapshot.js';

/** Options shared by the simple policies. */
export interface LruPolicyOptions {
  /** true: strict arrival order, and the first job that cannot start blocks the rest. */
  strictFifo: boolean;
}

/**
 * What Ollama does, across a fleet: run a job where its model is loaded; else load it where it
 * fits; else evict the least recently used idle model; all layers on the GPU that has one; no
 * preemption. `lru` serves classes in order (as the queue hands them out), `fifo` arrival order.
 */
export class LruPolicy {
  /** Predictions memoized per cost model (a cache: decisions stay a function of the snapshot). */
  private readonly memo: PredictionMemo = new WeakMap();

  constructor(private readonly options: LruPolicyOptions = { strictFifo: false }) {}

  /** Decides loads, unloads and dispatches for the jobs in the window. */
  decide(snapshot: FleetSnapshot): Decision {
    const plan = new FleetPlan(snapshot);
    const oracle = new CostOracle(snapshot, this.memo);
    const waiting: WaitReason[] = [];
    let blockedBy: string | undefined;
    for (const job of this.order(snapshot.backlog)) {
      if (blockedBy) {
        waiting.push({ jobId: job.id, reason: `fifo: waits behind job ${blockedBy}` });
        continue;
      }
      const reason = this.place(plan, oracle, job);
      if (reason) {
        waiting.push({ jobId: job.id, reason });
        if (this.options.strictFifo) blockedBy = job.id;
      }
    }
    return { actions: plan.actions, waiting };
  }

  private order(backlog: PolicyJob[]): PolicyJob[] {
    return [...backlog].sort(
      (a, b) =>
        (this.options.strictFifo ? 0 : classRank(a.priority) - classRank(b.priority)) ||
        a.submittedAt - b.submittedAt ||
        compareIds(a.id, b.id),
    );
  }

  /** Places one job; returns why it must wait, or undefined when dispatched. */
  private place(plan: FleetPlan, oracle: CostOracle, job: PolicyJob): string | undefined {
    const spec = plan.snapshot.models[job.model];
    const candidates = plan.candidates(job.model);
    if (!spec || candidates.length === 0) return `no live worker can serve model ${job.model}`;

    // The least busy worker with a free slot of the model (a scan: this runs per job).
    let ready: PolicyWorker | undefined;
    for (const w of candidates) {
      if (!plan.hasFreeSlot(w, job.model)) continue;
      const order =
        ready && (w.running.length - ready.running.length || compareIds(w.id, ready.id));
      if (!ready || order! < 0) ready = w;
    }
    if (ready) {
      plan.dispatch(ready, job, `${job.model} loaded with a free slot`);
      return undefined;
    }
    // A full copy, counted as the other policies count it: every block and the output layer.
    const full = (w: PolicyWorker) => {
      const gpuLayers = oracle.topLevel(job.model, w);
      return { gpuLayers, bytes: oracle.memoryAt(job.model, w, gpuLayers) };
    };
    if (candidates.some((w) => plan.loadedModel(w, job.model))) {
      // Loaded somewhere but busy: a second copy only where it fits without evicting anything.
      const spare = this.workerWithRoom(plan, candidates, full, job.model);
      if (!spare) return `all slots of ${job.model} are busy`;
      this.loadAndDispatch(plan, spare, job, full(spare), 'another copy fits in free memory');
      return undefined;
    }
    const roomy = this.workerWithRoom(plan, candidates, full, job.model);
    if (roomy) {
      this.loadAndDispatch(plan, roomy, job, full(roomy), 'fits in free memory');
      return undefined;
    }
    for (const worker of candidates) {
      if (worker.running.length >= worker.maxConcurrentJobs) continue;
      const copy = full(worker);
      const victims = this.lruVictims(plan, worker, copy.bytes);
      if (!victims) continue;
      for (const victim of victims) {
        plan.unload(worker, victim, `least recently used idle model, evicted for ${job.model}`);
      }
      this.loadAndDispatch(plan, worker, job, copy, `after evicting ${victims.join(', ')}`);
      return undefined;
    }
    if (candidates.every((w) => w.memoryBudgetBytes < spec.memoryBytes)) {
      return `${job.model} needs ${spec.memoryBytes} bytes, more than any worker's budget`;
    }
    return `no memory for ${job.model}: every worker's models are busy`;
  }

  /** The worker with the most free memory where a full copy fits, under its job cap. */
  private workerWithRoom(
    plan: FleetPlan,
    candidates: PolicyWorker[],
    full: (worker: PolicyWorker) => { bytes: number },
    model: string,
  ): PolicyWorker | undefined {
    let best: { worker: PolicyWorker; free: number } | undefined;
    for (const w of candidates) {
      if (w.running.length >= w.maxConcurrentJobs || plan.loadedModel(w, model)) continue;
      const free = plan.freeMemory(w);
      if (free < full(w).bytes) continue;
      if (
        !best ||
        free > best.free ||
        (free === best.free && compareIds(w.id, best.worker.id) < 0)
      ) {
        best = { worker: w, free };
      }
    }
    return best?.worker;
  }

  /** Idle models to evict, least recently used first, until `bytes` fit; undefined if they cannot. */
  private lruVictims(plan: FleetPlan, worker: PolicyWorker, bytes: number): string[] | undefined {
    const idle = worker.loaded
      .filter((m) => m.busySlots === 0)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt || compareIds(a.model, b.model));
    let free = plan.freeMemory(worker);
    const victims: string[] = [];
    for (const m of idle) {
      if (free >= bytes) break;
      victims.push(m.model);
      free += m.memoryBytes;
    }
    return free >= bytes ? victims : undefined;
  }

  private loadAndDispatch(
    plan: FleetPlan,
    worker: PolicyWorker,
    job: PolicyJob,
    copy: { gpuLayers: number; bytes: number },
    why: string,
  ): void {
    const reason = `${job.model} requested by job ${job.id}: ${why}`;
    plan.load(worker, job.model, copy.gpuLayers, reason, copy.bytes);
    plan.dispatch(worker, job, `${job.model} loading on ${worker.id}`);
  }
}
