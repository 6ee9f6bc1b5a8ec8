import type { Job, JobState as BullJobState } from 'bullmq';
import {
  CANCELLED_REASON,
  type JobData,
  type JobProgress,
  type JobResult,
  type JobState,
} from '#switchyard/contracts';
import type { JobViewDto, UsageDto } from './dto/job-view.dto.js';
import { OPEN_TENANT } from '../auth/caller.js';

/** The states a job never leaves. */
export const FINISHED_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled'];

/** Whether a job in `state` is done. */
export function isFinished(state: JobState): boolean {
  return FINISHED_STATES.includes(state);
}

/** BullMQ states in which a job can still be removed from the queue without a worker. */
export const REMOVABLE_BULL_STATES: readonly string[] = [
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
];

/** The job's progress when a scheduler or worker has written one. */
export function readProgress(job: Job): JobProgress | undefined {
  const progress = job.progress as Partial<JobProgress> | number | string | boolean | null;
  return typeof progress === 'object' && progress !== null && typeof progress.phase === 'string'
    ? (progress as JobProgress)
    : undefined;
}

/**
 * The public state of a BullMQ job. An active job whose progress still says `queued` (or has no
 * progress) sits in the scheduler's look-ahead window: it is placed nowhere yet.
 */
export function publicState(bullState: BullJobState, job: Job): JobState {
  switch (bullState) {
    case 'completed':
      return 'completed';
    case 'failed':
      return job.failedReason === CANCELLED_REASON ? 'cancelled' : 'failed';
    case 'active': {
      const progress = readProgress(job);
      return progress === undefined || progress.phase === 'queued' ? 'queued' : 'running';
    }
    default:
      return 'queued';
  }
}

/** The job view of a BullMQ job in `bullState`. */
export function toJobView(job: Job<JobData, JobResult>, bullState: BullJobState): JobViewDto {
  const state = publicState(bullState, job);
  const progress = readProgress(job);
  const result = state === 'completed' ? (job.returnvalue ?? undefined) : progress?.result;
  const placed = state !== 'queued';
  const view: JobViewDto = {
    id: job.id as string,
    state,
    phase:
      state === 'queued'
        ? 'queued'
        : state === 'running'
          ? (progress?.phase ?? 'scheduled')
          : state,
    model: job.data.model,
    tenant: job.data.tenant ?? OPEN_TENANT,
    priority: job.data.priority,
    worker: placed ? (result?.workerId ?? progress?.workerId ?? null) : null,
    gpuLayers: placed ? (result?.gpuLayers ?? progress?.gpuLayers ?? null) : null,
    submittedAt: job.data.submittedAt,
    output: outputOf(state, result, progress),
    finish_reason: result?.finishReason ?? (state === 'cancelled' ? 'cancelled' : null),
    usage: usageOf(state, result, progress),
    timings: result?.timings ?? null,
    resumes: result?.resumes ?? null,
    resumedFromToken: result?.resumedFromToken ?? null,
    error: state === 'failed' ? job.failedReason || null : null,
    reason: progress?.reason ?? null,
    position: state === 'queued' ? (progress?.position ?? null) : null,
    estimatedStartAt: state === 'queued' ? (progress?.estimatedStartAt ?? null) : null,
    preemptions: result?.preemptions ?? job.data.preemptionLog ?? [],
  };
  const startedAt = result
    ? job.data.submittedAt + result.timings.queueWaitMs
    : placed
      ? job.processedOn
      : undefined;
  if (startedAt !== undefined) view.startedAt = startedAt;
  if (isFinished(state) && job.finishedOn !== undefined) view.finishedAt = job.finishedOn;
  return view;
}

/** The view of a job cancelled before any worker had it: what GET answers once it is removed. */
export function cancelledQueuedView(queued: JobViewDto, at: number): JobViewDto {
  return {
    ...queued,
    state: 'cancelled',
    phase: 'cancelled',
    worker: null,
    gpuLayers: null,
    finishedAt: at,
    output: null,
    finish_reason: 'cancelled',
    usage: null,
    timings: null,
    resumes: null,
    resumedFromToken: null,
    error: null,
    reason: null,
    position: null,
    estimatedStartAt: null,
  };
}

function outputOf(
  state: JobState,
  result: JobResult | undefined,
  progress: JobProgress | undefined,
): string | null {
  switch (state) {
    case 'queued':
      return null;
    case 'running':
      return progress?.text ?? '';
    case 'completed':
      return result?.text ?? '';
    default:
      return result?.text ?? progress?.text ?? null;
  }
}

function usageOf(
  state: JobState,
  result: JobResult | undefined,
  progress: JobProgress | undefined,
): UsageDto | null {
  if (!result) {
    return state === 'running'
      ? {
          prompt_tokens: null,
          completion_tokens: progress?.completionTokens ?? 0,
          total_tokens: null,
        }
      : null;
  }
  return {
    prompt_tokens: result.usage.promptTokens,
    completion_tokens: result.usage.completionTokens,
    total_tokens: result.usage.totalTokens,
  };
}
