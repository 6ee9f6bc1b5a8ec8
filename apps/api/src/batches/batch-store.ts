import { canSee, type Caller } from '../auth/caller.js';
import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisKeys } from '#switchyard/contracts';
import { MessageStream } from '#switchyard/fleet';
import { OpenAiException } from '../common/openai-error.js';
import { newBatchHash, parseBatchHash, type BatchRecord } from './batch-record.js';
import type { BatchStatus } from './dto/batch-object.dto.js';

/** How a batch line's job ended. */
export type LineOutcome = 'completed' | 'failed' | 'cancelled';

/** What wakes the batch tracker. */
export interface BatchSignal {
  batchId: string;
  reason: 'created' | 'cancelled';
}

/**
 * KEYS[1] batch hash. ARGV[1] comma-separated statuses to move from, ARGV[2] the new status,
 * ARGV[3..] field/value pairs to set with it. Returns 1 when moved, 0 when the status was
 * another, -1 when the batch does not exist.
 */
const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
for allowed in string.gmatch(ARGV[1], '[^,]+') do
  if allowed == status then
    redis.call('HSET', KEYS[1], 'status', ARGV[2], unpack(ARGV, 3))
    return 1
  end
end
return 0`;

/**
 * KEYS[1] the batch's done hash, KEYS[2] its record. ARGV: line/outcome pairs. Records each line
 * once (HSETNX) and counts it in the record; returns how many lines were new. Idempotent, so
 * replayed events and a reconciliation after a restart count nothing twice.
 */
const MARK_DONE = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[2], 'resolved', 1)
    redis.call('HINCRBY', KEYS[2], ARGV[i + 1], 1)
    added = added + 1
  end
end
return added`;

/**
 * Batch records in Redis: a hash per batch, a sorted set to list them, the set of batches not yet
 * ended, and per batch the lines that have a job and the lines whose job ended.
 */
@Injectable()
export class BatchStore {
  private readonly signals: MessageStream<BatchSignal>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.signals = new MessageStream<BatchSignal>(redis, keys.batchSignals(), 1000);
  }

  /** Stores a new batch, lists it and hands it to the tracker, in one transaction. */
  async create(record: BatchRecord): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.batch(record.id), newBatchHash(record))
      .zadd(this.keys.batches(), Date.now(), record.id)
      .zadd(this.keys.tenantBatches(record.tenant), Date.now(), record.id)
      .sadd(this.keys.activeBatches(), record.id)
      .exec();
    await this.signals.send({ batchId: record.id, reason: 'created' });
  }

  /** The batch, or undefined. */
  async find(id: string): Promise<BatchRecord | undefined> {
    return parseBatchHash(await this.redis.hgetall(this.keys.batch(id)));
  }

  /** The batch; throws a 404, also for another tenant's batch. */
  async require(id: string, caller: Caller): Promise<BatchRecord> {
    const record = await this.find(id);
    if (!record || !canSee(caller, record.tenant)) {
      throw new OpenAiException(404, `No batch found with id '${id}'`, { param: 'batch_id' });
    }
    return record;
  }

  /**
   * Up to `limit` batches the caller may see after `after` (newest first), and whether more
   * follow: its tenant's, or every batch for an admin.
   */
  async list(
    after: string | undefined,
    limit: number,
    caller: Caller,
  ): Promise<{ records: BatchRecord[]; more: boolean }> {
    const index = caller.scopes.has('admin')
      ? this.keys.batches()
      : this.keys.tenantBatches(caller.tenant);
    let start = 0;
    if (after !== undefined) {
      const rank = await this.redis.zrevrank(index, after);
      if (rank === null) {
        throw new OpenAiException(404, `No batch found with id '${after}'`, { param: 'after' });
      }
      start = rank + 1;
    }
    const ids = await this.redis.zrevrange(index, start, start + limit);
    const records = await Promise.all(ids.slice(0, limit).map((id) => this.find(id)));
    return {
      records: records.filter((r): r is BatchRecord => r !== undefined),
      more: ids.length > limit,
    };
  }

  /**
   * Moves the batch to `to` (setting `fields` with it) if its status is one of `from`, atomically
   * against every other replica; returns whether it moved.
   */
  async transition(
    id: string,
    from: readonly BatchStatus[],
    to: BatchStatus,
    fields: Record<string, string | number> = {},
  ): Promise<boolean> {
    const pairs = Object.entries(fields).flatMap(([field, value]) => [field, String(value)]);
    const moved = await this.redis.eval(
      TRANSITION,
      1,
      this.keys.batch(id),
      from.join(','),
      to,
      ...pairs,
    );
    return moved === 1;
  }

  /** Sets fields of the record. */
  async update(id: string, fields: Record<string, string | number>): Promise<void> {
    await this.redis.hset(this.keys.batch(id), fields);
  }

  /** The status alone (undefined when the batch is gone). */
  async status(id: string): Promise<BatchStatus | undefined> {
    return ((await this.redis.hget(this.keys.batch(id), 'status')) ?? undefined) as
      BatchStatus | undefined;
  }

  /** Ids of the batches that have not ended. */
  activeIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.activeBatches());
  }

  /** Wakes the tracker about a batch. */
  async signal(batchId: string, reason: BatchSignal['reason']): Promise<void> {
    await this.signals.send({ batchId, reason });
  }

  /** The tracker's wake-up stream. */
  signalStream(): MessageStream<BatchSignal> {
    return this.signals;
  }

  /** Records which lines got a job (line → custom_id), before their jobs are added. */
  async addLines(id: string, lines: [line: number, customId: string][]): Promise<void> {
    if (lines.length === 0) return;
    await this.redis.hset(this.keys.batchLines(id), Object.fromEntries(lines));
  }

  /** The custom_ids of those of `lines` that have a job. */
  async customIds(id: string, lines: number[]): Promise<[line: number, customId: string][]> {
    if (lines.length === 0) return [];
    const values = await this.redis.hmget(this.keys.batchLines(id), ...lines.map(String));
    return lines.flatMap((line, i) => (values[i] === null ? [] : [[line, values[i]!]]));
  }

  /** Every line that has a job. */
  async lines(id: string): Promise<number[]> {
    return (await this.redis.hkeys(this.keys.batchLines(id))).map(Number);
  }

  /** Every line whose job ended. */
  async doneLines(id: string): Promise<Set<number>> {
    return new Set((await this.redis.hkeys(this.keys.batchDone(id))).map(Number));
  }

  /** Which of `lines` ended already. */
  async doneAmong(id: string, lines: number[]): Promise<Set<number>> {
    if (lines.length === 0) return new Set();
    const values = await this.redis.hmget(this.keys.batchDone(id), ...lines.map(String));
    return new Set(lines.filter((_, i) => values[i] !== null));
  }

  /** Records how lines ended and counts them, each line once; returns how many were new. */
  async markDone(id: string, outcomes: [line: number, outcome: LineOutcome][]): Promise<number> {
    if (outcomes.length === 0) return 0;
    const args = outcomes.flatMap(([line, outcome]) => [String(line), outcome]);
    return (await this.redis.eval(
      MARK_DONE,
      2,
      this.keys.batchDone(id),
      this.keys.batch(id),
      ...args,
    )) as number;
  }

  /** Takes an ended batch off the tracker's list and drops its per-line bookkeeping. */
  async retire(id: string): Promise<void> {
    await this.redis
      .multi()
      .srem(this.keys.activeBatches(), id)
      .del(this.keys.batchLines(id), this.keys.batchDone(id))
      .exec();
  }
}
