import type { WorkerCommand } from '#switchyard/contracts';

type RunCommand = Extract<WorkerCommand, { type: 'run' }>;

/** What a worker does with a run command, given the runs it holds and has finished. */
export type RunAdmission<R> =
  | { kind: 'start' }
  /** The same run (job and lock token) delivered again: ignore it. */
  | { kind: 'duplicate'; of: 'running' | 'finished' }
  /** An earlier dispatch of a job that runs here under a newer token: ignore it. */
  | { kind: 'outdated' }
  /**
   * The job was fetched again (a new lock token) while a run with the old token is still here:
   * that token's lock is gone (BullMQ hands a job out again only after it was released or its lock
   * lapsed), so the old run must stop before the new one starts.
   */
  | { kind: 'supersedes'; stale: R };

// A resent command lands right behind the original (ioredis resends unanswered commands on
// reconnect); a job this worker finished that long ago has long been forgotten by the scheduler.
export const FINISHED_KEPT = 1024;

/**
 * The runs of one worker by job id, and the last FINISHED_KEPT finished ones by job and lock
 * token, so that a run command delivered twice runs the job once.
 */
export class RunnerTable<R extends { readonly command: RunCommand }> {
  private readonly running = new Map<string, R>();
  private readonly finished = new Set<string>();

  /**
   * Says whether `command` starts a run, repeats one (running or finished), or replaces a stale
   * one. Of two runs of a job under different tokens, the later dispatched is the live one (a copy
   * carries its original's `dispatchedAt`).
   */
  admit(command: RunCommand): RunAdmission<R> {
    const current = this.running.get(command.jobId);
    if (current?.command.lockToken === command.lockToken) {
      return { kind: 'duplicate', of: 'running' };
    }
    if (this.finished.has(runKey(command))) return { kind: 'duplicate', of: 'finished' };
    if (!current) return { kind: 'start' };
    return command.dispatchedAt > current.command.dispatchedAt
      ? { kind: 'supersedes', stale: current }
      : { kind: 'outdated' };
  }

  /** Holds a run admitted with `start` (or whose stale predecessor has left). */
  add(runner: R): void {
    this.running.set(runner.command.jobId, runner);
  }

  /** Forgets a run that left this worker, and remembers its job and token as finished. */
  remove(runner: R): void {
    // A newer run of the same job may hold the entry already; it is not this one's to delete.
    if (this.running.get(runner.command.jobId) === runner) {
      this.running.delete(runner.command.jobId);
    }
    const key = runKey(runner.command);
    this.finished.delete(key);
    this.finished.add(key);
    if (this.finished.size > FINISHED_KEPT) {
      this.finished.delete(this.finished.values().next().value!);
    }
  }

  /** The run of this job, if one is held. */
  get(jobId: string): R | undefined {
    return this.running.get(jobId);
  }

  /** Whether a run of this job is held. */
  has(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** The runs held. */
  list(): R[] {
    return [...this.running.values()];
  }
}

function runKey(command: RunCommand): string {
  // A lock token is a UUID (no newline), so the pair is unambiguous.
  return `${command.lockToken}\n${command.jobId}`;
}
