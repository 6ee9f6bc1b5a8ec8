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
          // The worker's rate is meaningful only once a few tokens are out.
          ...(r.completionTokens >= 8 && r.tokensPerSecond > 0
            ? { decodeTokensPerSecond: r.tokensPerSecond }
            : {}),
          maxTokens: r.maxTokens,
          preemptions: r.preemptions,
        })),
        draining: hb.draining,
        ...(hb.warmModels ? { warmModels: hb.warmModels } : {}),
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

  /** Whether a worker had a fresh heartbeat at the last build. */
  isLive(workerId: string): boolean {
    return this.lastWorkers.some((w) => w.id === workerId);
  }

  /** The worker that runs (or was just sent) a job, as of the last build. */
  workerOf(jobId: string): string | undefined {
    return this.lastWorkers.find((w) => w.running.some((r) => r.jobId === jobId))?.id;
  }
}

function applyPending(worker: PolicyWorker, hb: WorkerState, command: WorkerCommand): void {
  switch (command.type) {
    case 'load': {
      const spec = hb.models.find((m) => m.name === command.model);
      const current = worker.loaded.find((m) => m.model === command.model);
      if (current) return reloadPending(current, hb, command, spec?.memoryBytes);
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

/**
 * A load of a model already loaded at another level or shape: the worker reloads it in place
 * (refused while it runs jobs). Its memory is the full copy's share for the new level on a GPU
 * (the host's memory on a CPU worker does not change with the level).
 */
function reloadPending(
  loaded: PolicyWorker['loaded'][number],
  hb: WorkerState,
  command: Extract<WorkerCommand, { type: 'load' }>,
  fullCopyBytes: number | undefined,
): void {
  const reported = hb.loaded.find((m) => m.model === command.model);
  const totalLayers = reported?.totalLayers ?? command.gpuLayers;
  const gpuLayers =
    hb.device.kind === 'cpu' ? 0 : Math.min(Math.max(0, command.gpuLayers), totalLayers);
  if (gpuLayers === loaded.gpuLayers && command.slots === loaded.slots) return;
  if (loaded.busySlots > 0) return;
  if (hb.device.kind !== 'cpu' && fullCopyBytes !== undefined && totalLayers > 0) {
    loaded.memoryBytes = Math.round((fullCopyBytes * gpuLayers) / totalLayers);
  }
  loaded.gpuLayers = gpuLayers;
  loaded.slots = command.slots;
  loaded.loadedAt = Date.now();
}
