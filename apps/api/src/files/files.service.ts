import { canSee, OPEN_TENANT, type Caller } from '../auth/caller.js';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ReadStream } from 'node:fs';
import { RedisKeys } from '#switchyard/contracts';
import { OpenAiException } from '../common/openai-error.js';
import { ApiEnv } from '../config/api-env.js';
import type {
  FileDeletedDto,
  FileListDto,
  FileObjectDto,
  FilePurpose,
} from './dto/file-object.dto.js';
import type { ListFilesQueryDto } from './dto/list-files-query.dto.js';
import { FileStore } from './file-store.js';
import { receiveUpload } from './multipart-upload.js';

/** A stored file's record, with what the api keeps beside OpenAI's fields. */
export interface StoredFile extends FileObjectDto {
  /** The tenant of the key that uploaded it (or of the batch that wrote it). */
  tenant: string;
  /** Non-blank lines of the content. */
  lines: number;
}

/** A new file id, OpenAI-style. */
export function newFileId(): string {
  return `file-${randomBytes(12).toString('hex')}`;
}

/**
 * Files, following OpenAI's Files API for `purpose=batch`: uploads are streamed to FILES_DIR with
 * their size and line count checked on the way, records live in Redis, content is streamed back.
 */
@Injectable()
export class FilesService {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly env: ApiEnv,
    private readonly store: FileStore,
  ) {}

  /**
   * Stores the `file` part of a multipart upload with `purpose=batch`. Throws an OpenAiException
   * (400, or 413 when too large) and keeps nothing when the upload breaks a rule.
   */
  async upload(request: Request, caller: Caller): Promise<FileObjectDto> {
    const path = this.store.tempPath();
    const upload = await receiveUpload(
      request,
      { maxBytes: this.env.FILES_MAX_BYTES, maxLines: this.env.BATCH_MAX_LINES },
      path,
    );
    try {
      const problem = uploadProblem(upload.fields, upload.file);
      if (problem) throw problem;
      const file = upload.file!;
      return await this.add(path, {
        id: newFileId(),
        filename: file.filename || 'upload.jsonl',
        purpose: 'batch',
        tenant: caller.tenant,
        bytes: file.bytes,
        lines: file.lines,
      });
    } catch (error) {
      await this.store.discard(path);
      throw error;
    }
  }

  /**
   * Moves content written at `path` into place and records it as `file.id`. Adding an id that
   * exists already replaces it (a batch writing its output again after a restart).
   */
  async add(
    path: string,
    file: Pick<StoredFile, 'id' | 'filename' | 'purpose' | 'tenant' | 'bytes' | 'lines'>,
  ): Promise<FileObjectDto> {
    await this.store.commit(path, file.id);
    const createdAt = Date.now();
    const record: StoredFile = {
      id: file.id,
      tenant: file.tenant,
      object: 'file',
      bytes: file.bytes,
      created_at: Math.floor(createdAt / 1000),
      filename: file.filename,
      purpose: file.purpose,
      status: 'processed',
      status_details: null,
      expires_at: null,
      lines: file.lines,
    };
    await this.redis
      .multi()
      .hset(this.keys.file(file.id), {
        id: record.id,
        bytes: record.bytes,
        created_at: record.created_at,
        filename: record.filename,
        purpose: record.purpose,
        tenant: record.tenant,
        lines: record.lines,
      })
      .zadd(this.keys.files(), createdAt, file.id)
      .exec();
    return toFileObject(record);
  }

  /** The file's record, or undefined. */
  async find(id: string): Promise<StoredFile | undefined> {
    const hash = await this.redis.hgetall(this.keys.file(id));
    if (!hash.id) return undefined;
    return {
      id: hash.id,
      tenant: hash.tenant ?? OPEN_TENANT,
      object: 'file',
      bytes: Number(hash.bytes),
      created_at: Number(hash.created_at),
      filename: hash.filename,
      purpose: hash.purpose as FilePurpose,
      status: 'processed',
      status_details: null,
      expires_at: null,
      lines: Number(hash.lines),
    };
  }

  /** The file object; throws a 404, also for another tenant's file. */
  async get(id: string, caller: Caller): Promise<FileObjectDto> {
    return toFileObject(await this.require(id, caller));
  }

  /** The file's record; throws a 404, also for another tenant's file. */
  async require(id: string, caller: Caller): Promise<StoredFile> {
    const file = await this.find(id);
    if (!file || !canSee(caller, file.tenant)) throw fileNotFound(id);
    return file;
  }

  /** A page of the caller's files, newest first (or oldest first), after the file `after`. */
  async list(query: ListFilesQueryDto, caller: Caller): Promise<FileListDto> {
    const ids = await this.redis.zrange(this.keys.files(), '0', '-1');
    if (query.order === 'desc') ids.reverse();
    let start = 0;
    if (query.after !== undefined) {
      const index = ids.indexOf(query.after);
      if (index < 0) throw fileNotFound(query.after);
      start = index + 1;
    }
    const data: FileObjectDto[] = [];
    let index = start;
    for (; index < ids.length && data.length < query.limit; index++) {
      const file = await this.find(ids[index]);
      if (
        file &&
        canSee(caller, file.tenant) &&
        (query.purpose === undefined || file.purpose === query.purpose)
      ) {
        data.push(toFileObject(file));
      }
    }
    return {
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
      has_more: index < ids.length,
    };
  }

  /** The file's record and a stream of its content, opened already; throws a 404. */
  async content(id: string, caller: Caller): Promise<{ file: StoredFile; stream: ReadStream }> {
    const file = await this.require(id, caller);
    const stream = this.store.open(id);
    try {
      await once(stream, 'open');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new OpenAiException(404, `The content of file ${id} is missing from FILES_DIR`, {
        param: 'id',
      });
    }
    return { file, stream };
  }

  /** Deletes the record, then the content; throws a 404. */
  async delete(id: string, caller: Caller): Promise<FileDeletedDto> {
    await this.require(id, caller);
    const removed = await this.redis
      .multi()
      .del(this.keys.file(id))
      .zrem(this.keys.files(), id)
      .exec();
    if (removed?.[0]?.[1] !== 1) throw fileNotFound(id);
    await this.store.remove(id);
    return { id, object: 'file', deleted: true };
  }
}

/** The OpenAI file object of a record. */
export function toFileObject(file: StoredFile): FileObjectDto {
  const { lines: _lines, tenant: _tenant, ...object } = file;
  return object;
}

function fileNotFound(id: string): OpenAiException {
  return new OpenAiException(404, `No such File object: ${id}`, { param: 'id', code: null });
}

function uploadProblem(
  fields: Record<string, string>,
  file: { bytes: number; lines: number } | undefined,
): OpenAiException | undefined {
  const purpose = fields.purpose;
  if (purpose === undefined) {
    return new OpenAiException(400, "'purpose' is a required property", { param: 'purpose' });
  }
  if (purpose !== 'batch') {
    return new OpenAiException(
      400,
      `purpose must be 'batch': this server stores files for the Batch API only (got '${purpose}')`,
      { param: 'purpose', code: 'invalid_value' },
    );
  }
  if (!file) return new OpenAiException(400, "'file' is a required property", { param: 'file' });
  if (file.lines === 0) {
    return new OpenAiException(400, 'The file is empty: a batch file holds one request per line', {
      param: 'file',
      code: 'empty_file',
    });
  }
  return undefined;
}
