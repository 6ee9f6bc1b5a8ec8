import type { JobData, KvStateRef, PreemptionRecord } from '#switchyard/contracts';
import type { GenerateRequest, GenerateResult } from '#switchyard/engine';
import { discard, type KvStateEntry, type KvStateStore } from './kv-state-store.js';

/** A preempted run's saved state as it is kept, and what its preemption record says of it. */
export interface KeptKvState {
  entry?: KvStateEntry;
  /** The checkpoint's claim on the file. */
  ref?: KvStateRef;
  record: Partial<PreemptionRecord>;
}

/**
 * The keep-KV side of one run: whether it restores the job's saved state, the state it saves
 * when preempted, and the costs of both in the job's preemption log.
 */
export class KvResume {
  /** The state file this run restores from (it owns the file and deletes it when done). */
  private restore?: KvStateEntry;
  /** Why it recomputes although a KV state was saved. */
  private note?: string;

  constructor(
    private readonly store: KvStateStore,
    private readonly workerId: string,
    private readonly jobId: string,
    private readonly model: string,
  ) {}

  /**
   * Takes the job's saved KV state when it is here: only a state this worker lists for the same
   * model instance; a claim naming another worker or a dropped file means recomputing.
   */
  async claim(data: JobData, modelLoadedAt: number): Promise<void> {
    const claim = data.checkpoint?.kvState;
    if (!claim) return;
    if (claim.workerId !== this.workerId) {
      this.note = `its KV state is on worker ${claim.workerId}`;
      return;
    }
    this.restore = await this.store.claim(this.jobId, data.model, modelLoadedAt);
    if (!this.restore) {
      this.note =
        'its KV state is no longer held here (model reloaded, evicted or worker restarted)';
    }
  }

  /** The file the run restores from, if any. */
  get restorePath(): string | undefined {
    return this.restore?.path;
  }

  /** Lists the claimed state again: the run never started (no free slot). */
  unclaim(): void {
    if (this.restore) this.store.putBack(this.restore);
    this.restore = undefined;
  }

  /** Deletes the restored (or unreadable) file: it is used up whatever happened to the run. */
  async release(): Promise<void> {
    if (this.restore) await discard(this.restore.path);
  }

  /** The engine's saveStateTo: a new file when the run was stopped and `wanted()` says so. */
  saveTarget(wanted: () => boolean): GenerateRequest['saveStateTo'] {
    if (!this.store.enabled) return undefined;
    return (finishReason) =>
      finishReason === 'cancelled' && wanted() ? this.store.pathFor(this.jobId) : undefined;
  }

  /** Deletes a state saved by a run that ended anyway (stopped too late). */
  async discardSaved(result: GenerateResult): Promise<void> {
    if (result.savedState) await discard(result.savedState.path);
  }

  /** The state a preempted run saved, if it can be kept, and what its record says of it. */
  keep(saved: GenerateResult['savedState'], modelLoadedAt: number): KeptKvState {
    if (!saved) return { record: {} };
    const record: Partial<PreemptionRecord> = {
      kvSaveMs: round(saved.ms),
      kvSavedBytes: saved.bytes,
      kvSavedTokens: saved.tokens,
    };
    if (saved.error) return { record: { ...record, kvSaveError: saved.error } };
    if (!this.store.fits(saved.bytes)) {
      void discard(saved.path);
      return { record: { ...record, kvSaveError: 'larger than the KV state disk bound' } };
    }
    const savedAt = Date.now();
    const { jobId, model, workerId } = this;
    const { path, bytes, tokens } = saved;
    return {
      entry: { jobId, model, bytes, tokens, savedAt, path, modelLoadedAt },
      ref: { workerId, model, path, bytes, tokens, savedAt },
      record,
    };
  }

  /** Lists a kept state, once the job's checkpoint names it (the sweep drops unnamed files). */
  async commit(kept: KeptKvState): Promise<void> {
    if (kept.entry) await this.store.add(kept.entry);
  }

  /** The job's preemption log, the last entry completed with how this run got its state back. */
  resumeLog(data: JobData, result: GenerateResult): PreemptionRecord[] {
    const log = [...(data.preemptionLog ?? [])];
    const last = log.at(-1);
    if (!last || last.resumedBy !== undefined) return log;
    const restored = result.restoredState;
    const keptTokens = restored && !restored.error ? restored.tokens : 0;
    const note = restored?.error ? `its KV state could not be read (${restored.error})` : this.note;
    log[log.length - 1] = {
      ...last,
      resumedBy: keptTokens > 0 ? 'kv-restore' : 'recompute',
      resumeMs: round(result.timings.prefillMs),
      resumedOn: this.workerId,
      ...(keptTokens > 0
        ? {
            kvRestoreMs: round(restored!.ms),
            kvRestoreBytes: this.restore?.bytes,
            kvRestoredTokens: keptTokens,
          }
        : {}),
      recomputedTokens: result.promptTokens + (data.checkpoint?.tokens.length ?? 0) - keptTokens,
      ...(note ? { resumeNote: note } : {}),
    };
    return log;
  }
}

// Milliseconds to 0.1: the records are read by people.
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
