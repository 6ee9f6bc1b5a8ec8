import type { Redis } from 'ioredis';
import { RedisKeys, type JobStreamEvent } from '#switchyard/contracts';
import { MessageStream } from './message-stream.js';

/** How long a finished job's token stream stays readable. */
export const JOB_STREAM_TTL_SECONDS = 3600;

/**
 * A job's phases and tokens as a Redis stream, so any api replica can replay them from the
 * start and then follow live (server-sent events), without a lost-message window.
 */
export class JobStream extends MessageStream<JobStreamEvent> {
  constructor(redis: Redis, keys: RedisKeys, jobId: string) {
    super(redis, keys.jobStream(jobId), 100_000);
  }

  /** Appends the final event and lets the stream expire after an hour. */
  async end(state: string): Promise<void> {
    await this.send({ type: 'end', state, at: Date.now() });
    await this.redis.expire(this.key, JOB_STREAM_TTL_SECONDS);
  }
}
