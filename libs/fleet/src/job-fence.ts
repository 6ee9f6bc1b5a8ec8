import type { Redis } from 'ioredis';
import type { MessageStream } from './message-stream.js';

// Both scripts write only while KEYS[1] (the job's BullMQ lock) holds ARGV[1] (the lock token).
const SET_FIELDS = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV, 2))
return 1`;

const APPEND = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #ARGV do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[i])
end
return 1`;

/**
 * The writes a worker makes to a job it runs (checkpoint, progress, streamed tokens), each
 * applied by Redis only while the worker still holds the job's lock. A worker cut off from
 * Redis queues its commands and sends them when it reconnects; by then the job may run
 * elsewhere, and BullMQ's own updateData/updateProgress would let the stale copy overwrite the
 * newer run's checkpoint and interleave its tokens with the new run's. Fenced, they are refused.
 */
export class JobFence {
  private readonly lockKey: string;
  private readonly jobKey: string;

  /** `queueQualifiedName` is BullMQ's `<prefix>:<queue>`; `token` the lock token the worker holds. */
  constructor(
    private readonly redis: Redis,
    queueQualifiedName: string,
    jobId: string,
    private readonly token: string,
  ) {
    this.jobKey = `${queueQualifiedName}:${jobId}`;
    this.lockKey = `${this.jobKey}:lock`;
  }

  /** Replaces the job's data, as BullMQ's updateData; false when the lock is no longer ours. */
  setData(data: object): Promise<boolean> {
    return this.setField('data', JSON.stringify(data));
  }

  /** Replaces the job's progress (no progress event is emitted); false when the lock is lost. */
  setProgress(progress: object): Promise<boolean> {
    return this.setField('progress', JSON.stringify(progress));
  }

  /** Appends messages to `stream` in order, all or none; false when the lock is lost. */
  async append<T>(stream: MessageStream<T>, messages: T[]): Promise<boolean> {
    const args = [this.token, String(stream.maxLength), ...messages.map((m) => JSON.stringify(m))];
    const applied = await this.redis.eval(APPEND, 2, this.lockKey, stream.key, ...args);
    return applied === 1;
  }

  private async setField(field: string, value: string): Promise<boolean> {
    const applied = await this.redis.eval(
      SET_FIELDS,
      2,
      this.lockKey,
      this.jobKey,
      this.token,
      field,
      value,
    );
    return applied === 1;
  }
}
