import {
  PRIORITY_CLASSES,
  type FleetSnapshot,
  type FleetWorker,
  type PriorityClass,
  type SlaAttainment,
  type SlaCounts,
  type WaitingJob,
  type WorkerState,
} from '#switchyard/contracts';
import type { JobViewDto } from '../jobs/dto/job-view.dto.js';

/** A waiting job as the scheduler's last published decision lists it. */
export interface PublishedWait {
  jobId: string;
  reason: string;
  position?: number;
  estimatedStartAt?: number;
}

/** What the api reads of the leader's published status (its JSON, as written). */
export interface PublishedStatus {
  policy: string | null;
  leadingSince: number | null;
  lastRoundAt: number | null;
  decideMs: number | null;
  windowSize: number | null;
  waiting: PublishedWait[];
}

/** A worker's heartbeat as the page shows it: without the servable models' GGUF facts. */
export function toFleetWorker(state: WorkerState): FleetWorker {
  const kept = state.kvStates ?? [];
  return {
    id: state.id,
    host: state.host,
    device: state.device,
    memoryBudgetBytes: state.memoryBudgetBytes,
    memoryUsedBytes: state.memoryUsedBytes,
    slotsPerModel: state.slotsPerModel,
    maxConcurrentJobs: state.maxConcurrentJobs,
    loaded: state.loaded,
    running: state.running,
    keptKvStates: { count: kept.length, bytes: kept.reduce((sum, k) => sum + k.bytes, 0) },
    draining: state.draining,
    startedAt: state.startedAt,
    heartbeatAt: state.heartbeatAt,
  };
}

/**
 * Reads the scheduler's status defensively: it is another process's JSON (a leader of another
 * version may write less), so every field falls back to null or empty.
 */
export function readPublishedStatus(status: unknown): PublishedStatus {
  const s = (status ?? {}) as Record<string, unknown>;
  const last = (s.lastDecision ?? {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const waiting = Array.isArray(last.waiting)
    ? (last.waiting as unknown[]).filter(
        (w): w is PublishedWait =>
          typeof w === 'object' && w !== null && typeof (w as PublishedWait).jobId === 'string',
      )
    : [];
  return {
    policy: typeof s.policy === 'string' ? s.policy : null,
    leadingSince: num(s.leadingSince),
    lastRoundAt: num(last.at),
    decideMs: num(last.decideMs) === null ? null : Math.round(num(last.decideMs)! * 100) / 100,
    windowSize: num(last.windowSize),
    waiting,
  };
}

/** Met and missed per class, in total and recently, with their attainment (null before any completion). */
export function withAttainment(
  readings: Record<PriorityClass, { total: SlaCounts; recent: SlaCounts }>,
): FleetSnapshot['sla'] {
  const sla = {} as FleetSnapshot['sla'];
  for (const c of PRIORITY_CLASSES) {
    sla[c] = { ...attainment(readings[c].total), recent: attainment(readings[c].recent) };
  }
  return sla;
}

function attainment({ met, missed }: SlaCounts): SlaAttainment {
  return { met, missed, attainment: met + missed === 0 ? null : met / (met + missed) };
}

/**
 * A waiting job from its current view (what `GET /v1/jobs/:id` answers), or null when it is no
 * longer waiting. The view's reason, position and estimate come from the job's progress, which
 * the scheduler writes; the published wait fills in while that write is pending.
 */
export function toWaitingJob(view: JobViewDto | undefined, wait: PublishedWait): WaitingJob | null {
  if (!view || view.state !== 'queued') return null;
  return {
    id: view.id,
    model: view.model,
    priority: view.priority,
    tenant: view.tenant,
    submittedAt: view.submittedAt,
    position: view.position ?? wait.position ?? null,
    estimatedStartAt: view.estimatedStartAt ?? wait.estimatedStartAt ?? null,
    reason: view.reason ?? wait.reason ?? null,
  };
}
