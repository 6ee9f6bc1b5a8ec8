import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { JobsQueue } from '#switchyard/fleet';
import { JOBS_QUEUE_TOKEN } from './tokens.js';

/** Closes the queue, then the shared Redis connection, when the app shuts down. */
@Injectable()
export class RedisLifecycleService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisLifecycleService.name);

  constructor(
    private readonly redis: Redis,
    @Inject(JOBS_QUEUE_TOKEN) private readonly queue: JobsQueue,
  ) {}

  /** Called by Nest on `app.close()` and on the shutdown signals. */
  async onApplicationShutdown(): Promise<void> {
    try {
      await this.queue.close();
    } catch (error) {
      this.logger.warn(`closing the jobs queue failed: ${(error as Error).message}`);
    }
    // quit() waits for replies Redis owes; disconnect() when it cannot be reached.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}
