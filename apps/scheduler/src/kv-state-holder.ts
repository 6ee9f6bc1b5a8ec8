import type { JobCheckpoint, WorkerState } from '#switchyard/contracts';
import type { PolicyWorker } from '#switchyard/policy';

/**
 * The worker that can resume a waiting job from its saved KV state, if any: the one its
 * checkpoint names, still live and not draining, with the job's model loaded since before the
 * save (a reload, pending or done, drops the state), and still listing the state in its
 * heartbeat — a heartbeat older than the save may not list it yet and is taken on trust.
 */
export function kvStateHolder(
  jobId: string,
  checkpoint: JobCheckpoint | undefined,
  workers: PolicyWorker[],
  heartbeats: WorkerState[],
): string | undefined {
  const claim = checkpoint?.kvState;
  if (!claim) return undefined;
  const worker = workers.find((w) => w.id === claim.workerId);
  const heartbeat = heartbeats.find((h) => h.id === claim.workerId);
  if (!worker || !heartbeat || worker.draining) return undefined;
  const loaded = worker.loaded.find((m) => m.model === claim.model);
  if (!loaded || loaded.loadedAt > claim.savedAt) return undefined;
  const listed = heartbeat.kvStates?.some((s) => s.jobId === jobId) ?? false;
  if (!listed && heartbeat.heartbeatAt >= claim.savedAt) return undefined;
  return claim.workerId;
}
