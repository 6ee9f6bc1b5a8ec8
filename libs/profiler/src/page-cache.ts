import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What dropping a file from the page cache achieved. */
export interface PageCacheEviction {
  /** True when the file's pages were dropped (as far as fincore can tell, when it exists). */
  evicted: boolean;
  /** Bytes of the file still cached afterwards, when fincore could say. */
  residentBytes?: number;
  fileBytes: number;
  /** How it was done, or why it could not be. */
  method: string;
}

/**
 * Drops one file's pages from the page cache so that the next load reads storage. Node cannot
 * call posix_fadvise, but GNU dd can: `dd iflag=nocache count=0` advises DONTNEED for the whole
 * file. Dirty pages are not dropped, so the file is synced first; pages that a process maps
 * (a model loaded elsewhere) stay too, which fincore (util-linux) reveals. Storage below the
 * page cache (a VM's disk cache on its host) is out of reach: "cold" means not in this kernel's
 * page cache.
 */
export async function evictFromPageCache(path: string): Promise<PageCacheEviction> {
  const fileBytes = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await run('dd', [`if=${path}`, 'iflag=nocache', 'count=0', 'status=none']);
  } catch (error) {
    return {
      evicted: false,
      fileBytes,
      method: `dd iflag=nocache failed: ${(error as Error).message}`,
    };
  }
  const residentBytes = await cachedBytes(path);
  // A few pages may come back at once (readahead of the header by a concurrent reader).
  const evicted = residentBytes === undefined || residentBytes <= 0.02 * fileBytes;
  return {
    evicted,
    ...(residentBytes === undefined ? {} : { residentBytes }),
    fileBytes,
    method: 'fdatasync + dd iflag=nocache (POSIX_FADV_DONTNEED)',
  };
}

/** Bytes of the file in the page cache per fincore, or undefined where fincore is missing. */
export async function cachedBytes(path: string): Promise<number | undefined> {
  try {
    const { stdout } = await run('fincore', ['--bytes', '--noheadings', '--output', 'RES', path]);
    const value = Number(stdout.trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
