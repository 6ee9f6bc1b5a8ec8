import { classRank } from '#switchyard/contracts';
import type { Decision, WaitReason } from './action.js';
import { FleetPlan } from './fleet-plan.js';
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
  constructor(private readonly options: LruPolicyOptions = { strictFifo: false }) {}

  /** Decides loads, unloads and dispatches for the jobs in the window. */
  decide(snapshot: FleetSnapshot): Decision {
    const plan = new FleetPlan(snapshot);
    const waiting: WaitReason[] = [];
    let blockedBy: string | undefined;
    for (const job of this.order(snapshot.backlog)) {
      if (blockedBy) {
        waiting.push({ jobId: job.id, reason: `fifo: waits behind job ${blockedBy}` });
        continue;
      }
      const reason = this.place(plan, job);
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
        a.id.localeCompare(b.id, 'en', { numeric: true }),
    );
  }

  /** Places one job; returns why it must wait, or undefined when dispatched. */
  private place(plan: FleetPlan, job: PolicyJob): string | undefined {
    const spec = plan.snapshot.models[job.model];
    const candidates = plan.candidates(job.model);
    if (!spec || candidates.length === 0) return `no live worker can serve model ${job.model}`;

    const ready = candidates
      .filter((w) => plan.hasFreeSlot(w, job.model))
      .sort((a, b) => a.running.length - b.running.length || a.id.localeCompare(b.id));
    if (ready.length > 0) {
      plan.dispatch(ready[0], job, `${job.model} loaded with a free slot`);
      return undefined;
    }
    if (candidates.some((w) => plan.loadedModel(w, job.model))) {
      // Loaded somewhere but busy: a second copy only where it fits without evicting anything.
      const spare = this.workerWithRoom(plan, candidates, spec.memoryBytes, job.model);
      if (!spare) return `all slots of ${job.model} are busy`;
      this.loadAndDispatch(plan, spare, job, 'another copy fits in free memory');
      return undefined;
    }
    const roomy = this.workerWithRoom(plan, candidates, spec.memoryBytes, job.model);
    if (roomy) {
      this.loadAndDispatch(plan, roomy, job, 'fits in free memory');
      return undefined;
    }
    for (const worker of candidates) {
      if (worker.running.length >= worker.maxConcurrentJobs) continue;
      const victims = this.lruVictims(plan, worker, spec.memoryBytes);
      if (!victims) continue;
      for (const victim of victims) {
        plan.unload(worker, victim, `least recently used idle model, evicted for ${job.model}`);
      }
      this.loadAndDispatch(plan, worker, job, `after evicting ${victims.join(', ')}`);
      return undefined;
    }
    if (candidates.every((w) => w.memoryBudgetBytes < spec.memoryBytes)) {
      return `${job.model} needs ${spec.memoryBytes} bytes, more than any worker's budget`;
    }
    return `no memory for ${job.model}: every worker's models are busy`;
  }

  private workerWithRoom(
    plan: FleetPlan,
    candidates: PolicyWorker[],
    bytes: number,
    model: string,
  ): PolicyWorker | undefined {
    return candidates
      .filter(
        (w) =>
          !plan.loadedModel(w, model) &&
          plan.freeMemory(w) >= bytes &&
          w.running.length < w.maxConcurrentJobs,
      )
      .sort((a, b) => plan.freeMemory(b) - plan.freeMemory(a) || a.id.localeCompare(b.id))[0];
  }

  /** Idle models to evict, least recently used first, until `bytes` fit; undefined if they cannot. */
  private lruVictims(plan: FleetPlan, worker: PolicyWorker, bytes: number): string[] | undefined {
    const idle = worker.loaded
      .filter((m) => m.busySlots === 0)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt || a.model.localeCompare(b.model));
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
    why: string,
  ): void {
    const spec = plan.snapshot.models[job.model];
    const gpuLayers = worker.device.kind === 'cpu' ? 0 : spec.layers;
    plan.load(worker, job.model, gpuLayers, `${job.model} requested by job ${job.id}: ${why}`);
    plan.dispatch(worker, job, `${job.model} loading on ${worker.id}`);
  }
}
