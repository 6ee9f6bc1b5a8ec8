import { formatMs } from './format.js';
import type { PolicyJob, PolicySettings } from './snapshot.js';

/** When a job must show its first token and be complete (epoch ms); absent: no target. */
export interface SlaTargets {
  firstTokenBy?: number;
  completeBy?: number;
}

/** The targets of a job: its class SLA measured from submission, its own deadline first. */
export function slaTargets(job: PolicyJob, settings: PolicySettings): SlaTargets {
  const sla = settings.sla[job.priority] ?? {};
  const completion =
    job.deadlineAt ??
    (sla.completionMs === undefined ? undefined : job.submittedAt + sla.completionMs);
  return {
    ...(sla.timeToFirstTokenMs === undefined
      ? {}
      : { firstTokenBy: job.submittedAt + sla.timeToFirstTokenMs }),
    ...(completion === undefined ? {} : { completeBy: completion }),
  };
}

/** True when a predicted first token and completion meet every target. */
export function meetsSla(targets: SlaTargets, firstTokenAt: number, finishAt: number): boolean {
  return (
    (targets.firstTokenBy === undefined || firstTokenAt <= targets.firstTokenBy) &&
    (targets.completeBy === undefined || finishAt <= targets.completeBy)
  );
}

/** The targets in words, relative to `now`: "first token within 1.5 s". */
export function describeSla(targets: SlaTargets, now: number): string {
  const parts: string[] = [];
  if (targets.firstTokenBy !== undefined) {
    parts.push(`first token within ${formatMs(targets.firstTokenBy - now)}`);
  }
  if (targets.completeBy !== undefined) {
    parts.push(`completion within ${formatMs(targets.completeBy - now)}`);
  }
  return parts.join(' and ') || 'no SLA';
}
