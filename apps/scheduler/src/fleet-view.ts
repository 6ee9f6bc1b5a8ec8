import { compareStreamIds, type WorkerCommand, type WorkerState } from '#switchyard/contracts';
import type { PolicyWorker } from '#switchyard/policy';

interface SentCommand {
  id: string;
  command: WorkerCommand;
}

/**
 * The scheduler's view of each worker: its last heartbeat with the commands sent since then
 * (stream ids after the heartbeat's `appliedCommandId`) applied on top. A new leader starts from
 * heartbeats alone, so there is no state to hand over.
 */
export class FleetView {
  private readonly sent = new Map<string, SentCommand[]>();
  private lastWorkers: PolicyWorker[] = [];

  /** Records a command sent to a worker, under its stream id. */
  recordSent(workerId: string, id: string, command: WorkerCommand): void {
    const list = this.sent.get(workerId) ?? [];
    list.push({ id, command });
    this.sent.set(workerId, list);
  }

  /** Builds the policy's workers from fresh heartbeats and the commands they have not applied. */
  build(heartbeats: WorkerState[]): PolicyWorker[] {
    const live = new Set(heartbeats.map((h) => h.id));
    for (const id of this.sent.keys()) if (!live.has(id)) this.sent.delete(id);

    this.lastWorkers = heartbeats.map((hb) => {
      const pending = (this.sent.get(hb.id) ?? []).filter(
        (c) => compareStreamIds(c.id, hb.appliedCommandId) > 0,
      );
      this.sent.set(hb.id, pending);
      const worker: PolicyWorker = {
        id: hb.id,
        device: hb.device,
        catalogDevice: hb.device.catalogId,
        memoryBudgetBytes: hb.memoryBudgetBytes,
        slotsPerModel: hb.slotsPerModel,
        maxConcurrentJobs: hb.maxConcurrentJobs,
        models: hb.models.map((m) => m.name),
        loaded: hb.loaded.map((m) => ({
          model: m.model,
          gpuLayers: m.gpuLayers,
          memoryBytes: m.memoryBytes,
          slots: m.slots,
          busySlots: m.busySlots,
          loadedAt: m.loadedAt,
          lastUsedAt: m.lastUsedAt,
        })),
        running: hb.running.map((r) => ({
          jobId: r.jobId,
          model: r.model,
          priority: r.priority,
          startedAt: r.startedAt,
          promptTokens: r.promptTokens,
          generatedTokens: r.completionTokens,
          maxTokens: r.maxTokens,
          preemptions: r.preemptions,
        })),
        draining: hb.draining,
      };
      for (const { command } of pending) applyPending(worker, hb, command);
      return worker;
    });
    return this.lastWorkers;
  }

  /** Slots of a model loaded on a worker, as of the last build (the worker's default otherwise). */
  slotsOf(workerId: string, model: string): number {
    const worker = this.lastWorkers.find((w) => w.id === workerId);
    return worker?.loaded.find((m) => m.model === model)?.slots ?? worker?.slotsPerModel ?? 1;
  }

  /** The worker that runs (or was just sent) a job, as of the last build. */
  workerOf(jobId: string): string | undefined {
    return this.lastWorkers.find((w) => w.running.some((r) => r.jobId === jobId))?.id;
  }
}

function applyPending(worker: PolicyWorker, hb: WorkerState, command: WorkerCommand): void {
  switch (command.type) {
    case 'load': {
      if (worker.loaded.some((m) => m.model === command.model)) return;
      const spec = hb.models.find((m) => m.name === command.model);
      worker.loaded.push({
        model: command.model,
        gpuLayers: command.gpuLayers,
        memoryBytes: spec?.memoryBytes ?? 0,
        slots: command.slots,
        busySlots: 0,
        loadedAt: Date.now(),
        lastUsedAt: Date.now(),
      });
      return;
    }
    case 'unload':
      worker.loaded = worker.loaded.filter((m) => m.model !== command.model);
      return;
    case 'run': {
      if (worker.running.some((r) => r.jobId === command.jobId)) return;
      const loaded = worker.loaded.find((m) => m.model === command.model);
      if (loaded) {
        loaded.busySlots += 1;
        loaded.lastUsedAt = command.dispatchedAt;
      }
      worker.running.push({
        jobId: command.jobId,
        model: command.model,
        priority: command.priority,
      });
      return;
    }
    case 'preempt': {
      const running = worker.running.find((r) => r.jobId === command.jobId);
      if (running) running.preempting = true;
      return;
    }
    case 'cancel':
      return;
    case 'drain':
      worker.draining = true;
      return;
  }
}
