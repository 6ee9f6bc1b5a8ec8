import type { ChainableCommander, Redis } from 'ioredis';

/** One message read from a stream, with its stream id. */
export interface StreamMessage<T> {
  id: string;
  message: T;
}

/**
 * A typed Redis stream used as a durable, ordered channel (worker commands, worker events,
 * scheduler commands). Messages survive a reader restart; old ones are trimmed.
 */
export class MessageStream<T> {
  constructor(
    protected readonly redis: Redis,
    readonly key: string,
    readonly maxLength = 10_000,
  ) {}

  /** Appends one message; returns its stream id. */
  async send(message: T): Promise<string> {
    const id = await this.redis.xadd(
      this.key,
      'MAXLEN',
      '~',
      this.maxLength,
      '*',
      'm',
      JSON.stringify(message),
    );
    return id as string;
  }

  /** Appends several messages in one round trip, in order. */
  async sendMany(messages: T[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const message of messages) this.queueSend(pipeline, message);
    await pipeline.exec();
  }

  /**
   * Adds the append of one message to a pipeline that the caller executes (with other streams'
   * appends); its reply in the pipeline's results is the message's stream id.
   */
  queueSend(pipeline: ChainableCommander, message: T): void {
    pipeline.xadd(this.key, 'MAXLEN', '~', this.maxLength, '*', 'm', JSON.stringify(message));
  }

  /**
   * Reads messages after `afterId` ('$' = only new ones), waiting up to `blockMs`.
   * Needs a connection of its own while it blocks.
   */
  async read(
    blockingRedis: Redis,
    afterId: string,
    blockMs: number,
    count = 100,
  ): Promise<StreamMessage<T>[]> {
    const reply = (await blockingRedis.xread(
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.key,
      afterId,
    )) as [string, [string, string[]][]][] | null;
    if (!reply) return [];
    return reply[0][1].map(([id, fields]) => ({ id, message: JSON.parse(fields[1]) as T }));
  }

  /** The newest `count` messages, newest first. */
  async latest(count: number): Promise<StreamMessage<T>[]> {
    const entries = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', count)) as [
      string,
      string[],
    ][];
    return entries.map(([id, fields]) => ({ id, message: JSON.parse(fields[1]) as T }));
  }

  /** Messages added at or after `fromMs` (Redis's clock, as in stream ids), oldest first. */
  async since(fromMs: number, count = 1000): Promise<StreamMessage<T>[]> {
    const entries = (await this.redis.xrange(
      this.key,
      `${Math.max(0, Math.floor(fromMs))}-0`,
      '+',
      'COUNT',
      count,
    )) as [string, string[]][];
    return entries.map(([id, fields]) => ({ id, message: JSON.parse(fields[1]) as T }));
  }

  /** The id of the newest message, or '0-0' for an empty stream (start reading after it). */
  async lastId(): Promise<string> {
    const last = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return last.length > 0 ? last[0][0] : '0-0';
  }

  /** Deletes the stream. */
  async delete(): Promise<void> {
    await this.redis.del(this.key);
  }
}
