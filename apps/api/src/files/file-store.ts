import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiEnv } from '../config/api-env.js';

/** Age after which a file left in `tmp/` (an upload cut off by a crash) is deleted at start-up. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

/**
 * The files' content on disk under FILES_DIR: `<file id>.jsonl` for every stored file, `tmp/` for
 * uploads and outputs being written (renamed into place when complete), `batches/<batch id>/` for
 * the working files of a batch. Shared by every api replica when FILES_DIR is a shared volume.
 */
@Injectable()
export class FileStore implements OnModuleInit {
  readonly root: string;

  constructor(env: ApiEnv) {
    this.root = resolve(env.FILES_DIR);
  }

  async onModuleInit(): Promise<void> {
    await mkdir(join(this.root, 'tmp'), { recursive: true });
    await mkdir(join(this.root, 'batches'), { recursive: true });
    await this.removeStaleTemps();
  }

  /** Deletes what crashed uploads left in `tmp/` (only old files: other replicas share it). */
  private async removeStaleTemps(): Promise<void> {
    const dir = join(this.root, 'tmp');
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const stats = await stat(path).catch(() => undefined);
      if (stats && Date.now() - stats.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
    }
  }

  /** Where a stored file's content lives. */
  contentPath(fileId: string): string {
    return join(this.root, `${fileId}.jsonl`);
  }

  /** A fresh path for content being written; `commit` moves it into place. */
  tempPath(): string {
    return join(this.root, 'tmp', `${randomUUID()}.part`);
  }

  /** Moves finished content into place as `fileId` (atomic on one filesystem). */
  async commit(tempPath: string, fileId: string): Promise<void> {
    await rename(tempPath, this.contentPath(fileId));
  }

  /** Streams a stored file's content. */
  open(fileId: string): ReadStream {
    return createReadStream(this.contentPath(fileId));
  }

  /** Deletes a stored file's content (no error when it is gone already). */
  async remove(fileId: string): Promise<void> {
    await rm(this.contentPath(fileId), { force: true });
  }

  /** Deletes a temporary file (no error when it is gone). */
  async discard(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /** The working folder of a batch, created on demand. */
  async batchDir(batchId: string): Promise<string> {
    const dir = join(this.root, 'batches', batchId);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Deletes a batch's working folder. */
  async removeBatchDir(batchId: string): Promise<void> {
    await rm(join(this.root, 'batches', batchId), { recursive: true, force: true });
  }

  /**
   * Gives `target` the content of a stored file as it is now: a hard link (no copy; a later
   * delete of the file leaves it intact), or a copy where links are not supported.
   */
  async snapshot(fileId: string, target: string): Promise<void> {
    await rm(target, { force: true });
    try {
      await link(this.contentPath(fileId), target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw error;
      await copyFile(this.contentPath(fileId), target);
    }
  }
}
