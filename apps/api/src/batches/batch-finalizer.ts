import { Injectable, Logger } from '@nestjs/common';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { FileStore } from '../files/file-store.js';
import { FilesService } from '../files/files.service.js';
import { readJsonlLines } from '../files/jsonl-reader.js';
import { serializeLine, unrunLine, type BatchOutputLine } from './batch-output-line.js';
import { batchPaths, type BatchPaths } from './batch-paths.js';
import { epochSeconds, type BatchRecord } from './batch-record.js';
import { BatchStore } from './batch-store.js';
import type { BatchErrorDto, BatchStatus } from './dto/batch-object.dto.js';

/** The ids of a batch's output and error files: fixed, so finishing twice replaces, not adds. */
export function batchFileIds(batchId: string): { output: string; errors: string } {
  const key = batchId.replace(/^batch_/, '');
  return { output: `file-${key}-output`, errors: `file-${key}-errors` };
}

/** What a written file holds. */
interface Written {
  bytes: number;
  lines: number;
}

/**
 * Ends batches: writes the output file (one line per answered request) and the error file (bad
 * lines, failed requests, requests that never ran), registers them as files, and moves the batch
 * to its final status. Running it again after a crash gives the same files and the same end.
 */
@Injectable()
export class BatchFinalizer {
  private readonly logger = new Logger(BatchFinalizer.name);

  constructor(
    private readonly batches: BatchStore,
    private readonly store: FileStore,
    private readonly files: FilesService,
  ) {}

  /**
   * Writes the files of a batch whose jobs have all ended (or, cancelled or expired, been
   * stopped) and gives it its final status: completed, cancelled or expired.
   */
  async finish(batch: BatchRecord): Promise<void> {
    const paths = batchPaths(await this.store.batchDir(batch.id));
    const unrun = batch.ending ? await this.unrunLines(batch, paths) : [];
    const ids = batchFileIds(batch.id);
    const output = await this.publish(
      paths.output,
      [],
      ids.output,
      `${batch.id}_output.jsonl`,
      batch.tenant,
    );
    const errors = await this.publish(
      paths.errors,
      unrun,
      ids.errors,
      `${batch.id}_errors.jsonl`,
      batch.tenant,
    );
    const [status, at]: [BatchStatus, string] =
      batch.ending === 'cancelled'
        ? ['cancelled', 'cancelled_at']
        : batch.ending === 'expired'
          ? ['expired', 'expired_at']
          : ['completed', 'completed_at'];
    const fields: Record<string, string | number> = { [at]: epochSeconds() };
    if (output) fields.output_file_id = ids.output;
    if (errors) fields.error_file_id = ids.errors;
    await this.batches.transition(batch.id, ['finalizing', 'cancelling'], status, fields);
    await this.retire(batch.id);
    this.logger.log(
      `batch ${batch.id} ${status}: ${batch.completed} completed, ${batch.failed} failed, ${unrun.length} not run`,
    );
  }

  /**
   * Fails a batch at validation (its input is unusable): `errors` go to the batch object, the
   * bad lines found (if any) to its error file; no job was created.
   */
  async fail(
    batch: BatchRecord,
    errors: BatchErrorDto[],
    counts: { total: number; failed: number } = { total: 0, failed: 0 },
  ): Promise<void> {
    const paths = batchPaths(await this.store.batchDir(batch.id));
    const ids = batchFileIds(batch.id);
    const written = await this.publish(
      paths.errors,
      [],
      ids.errors,
      `${batch.id}_errors.jsonl`,
      batch.tenant,
    );
    await this.batches.transition(batch.id, ['validating'], 'failed', {
      failed_at: epochSeconds(),
      errors: JSON.stringify(errors),
      total: counts.total,
      failed: counts.failed,
      ...(written ? { error_file_id: ids.errors } : {}),
    });
    await this.retire(batch.id);
    this.logger.log(`batch ${batch.id} failed validation: ${errors[0]?.message ?? ''}`);
  }

  /** The error lines of valid requests that never finished (cancelled or expired batch). */
  private async unrunLines(batch: BatchRecord, paths: BatchPaths): Promise<BatchOutputLine[]> {
    if (!(await exists(paths.requests))) return [];
    const done = await this.batches.doneLines(batch.id);
    const lines: BatchOutputLine[] = [];
    for await (const entry of readJsonlLines(paths.requests, Number.MAX_SAFE_INTEGER)) {
      const { line, customId } = JSON.parse(entry.text!) as { line: number; customId: string };
      if (!done.has(line)) lines.push(unrunLine(batch.id, line, customId, batch.ending));
    }
    return lines;
  }

  /**
   * Writes the lines of a part file (each request once: a line appended twice after a restart is
   * dropped, as is a torn last line) and `extra`, and registers the result as file `fileId` of
   * `tenant`.
   * Returns what was written, or undefined when there was nothing to write.
   */
  private async publish(
    partPath: string,
    extra: BatchOutputLine[],
    fileId: string,
    filename: string,
    tenant: string,
  ): Promise<Written | undefined> {
    const temp = this.store.tempPath();
    const out = createWriteStream(temp);
    const seen = new Set<string>();
    const written: Written = { bytes: 0, lines: 0 };
    const put = async (text: string) => {
      written.bytes += Buffer.byteLength(text);
      written.lines++;
      if (!out.write(text)) await once(out, 'drain');
    };
    try {
      if (await exists(partPath)) {
        for await (const entry of readJsonlLines(partPath, Number.MAX_SAFE_INTEGER)) {
          const id = idOf(entry.text!);
          if (id === undefined || seen.has(id)) continue;
          seen.add(id);
          await put(`${entry.text}\n`);
        }
      }
      for (const line of extra) {
        if (seen.has(line.id)) continue;
        seen.add(line.id);
        await put(serializeLine(line));
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    if (written.lines === 0) {
      await this.store.discard(temp);
      return undefined;
    }
    await this.files.add(temp, {
      id: fileId,
      filename,
      purpose: 'batch_output',
      tenant,
      ...written,
    });
    return written;
  }

  private async retire(batchId: string): Promise<void> {
    await this.batches.retire(batchId);
    await this.store.removeBatchDir(batchId);
  }
}

function idOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
