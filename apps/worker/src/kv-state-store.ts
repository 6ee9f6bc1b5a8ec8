import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeldKvState } from '#switchyard/contracts';

/** A KV state file this worker wrote, and the loaded model instance it belongs to. */
export interface KvStateEntry extends HeldKvState {
  path: string;
  /** loadedAt of the model instance that wrote it: a reloaded model must not read it. */
  modelLoadedAt: number;
}

/**
 * The KV state files of preempted jobs on this worker's disk, in its own directory, oldest first.
 * Only files listed here are ever restored (a file from another model could crash llama.cpp), so
 * a job's checkpoint naming a file that was dropped, evicted or left by an earlier process is
 * ignored. The total size is bounded: adding a file evicts the oldest ones beyond the bound.
 */
export class KvStateStore {
  private readonly entries = new Map<string, KvStateEntry>();
  private written = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Whether states are kept at all (a bound of 0 turns keep-KV resume off). */
  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes of the files held. */
  get usedBytes(): number {
    let sum = 0;
    for (const entry of this.entries.values()) sum += entry.bytes;
    return sum;
  }

  /** Empties the directory (files of an earlier process are not ours to trust) and creates it. */
  async open(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    if (this.enabled) await mkdir(this.dir, { recursive: true });
  }

  /** Deletes every file and the directory. */
  async close(): Promise<void> {
    this.entries.clear();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A new file name for a job's state (never reused, so a late delete cannot hit a newer file). */
  pathFor(jobId: string): string {
    return join(this.dir, `${jobId.replace(/[^A-Za-z0-9_.-]/g, '_')}-${++this.written}.kv`);
  }

  /** Whether a file of this size can be kept at all. */
  fits(bytes: number): boolean {
    return this.enabled && bytes <= this.maxBytes;
  }

  /**
   * Lists a file just written (replacing the job's previous one), then evicts the oldest files
   * until the total is within the bound; returns the evicted jobs.
   */
  async add(entry: KvStateEntry): Promise<string[]> {
    await this.drop(entry.jobId);
    this.entries.set(entry.jobId, entry);
    const evicted: string[] = [];
    let used = this.usedBytes;
    for (const oldest of [...this.entries.values()]) {
      if (used <= this.maxBytes) break;
      evicted.push(oldest.jobId);
      used -= oldest.bytes;
      await this.drop(oldest.jobId);
    }
    return evicted;
  }

  /**
   * Takes a job's state off the list for a run on this model instance, which then owns the file
   * (and deletes it when done). A state from another model or instance is deleted instead.
   */
  async claim(
    jobId: string,
    model: string,
    modelLoadedAt: number,
  ): Promise<KvStateEntry | undefined> {
    const entry = this.entries.get(jobId);
    if (!entry) return undefined;
    this.entries.delete(jobId);
    if (entry.model === model && entry.modelLoadedAt === modelLoadedAt) return entry;
    await discard(entry.path);
    return undefined;
  }

  /** Lists again a state claimed by a run that never started (no free slot). */
  putBack(entry: KvStateEntry): void {
    if (!this.entries.has(entry.jobId)) this.entries.set(entry.jobId, entry);
  }

  /** Deletes a job's state, if held. */
  async drop(jobId: string): Promise<void> {
    const entry = this.entries.get(jobId);
    if (!entry) return;
    this.entries.delete(jobId);
    await discard(entry.path);
  }

  /** Deletes every state of a model (it was unloaded or reloaded). */
  async dropModel(model: string): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (entry.model === model) await this.drop(entry.jobId);
    }
  }

  /** The states held, oldest first, as heartbeats report them. */
  held(): HeldKvState[] {
    return [...this.entries.values()].map(({ jobId, model, bytes, tokens, savedAt }) => ({
      jobId,
      model,
      bytes,
      tokens,
      savedAt,
    }));
  }

  /** The file listed for a job, if any. */
  get(jobId: string): KvStateEntry | undefined {
    return this.entries.get(jobId);
  }
}

/** Deletes a file that may already be gone. */
export async function discard(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}
