import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisKeys } from '#switchyard/contracts';
import { createRedisConnection, LeaderLock } from '#switchyard/fleet';
import { createPolicy } from '#switchyard/policy';
import { SchedulerEnv } from './scheduler-env.js';
import { SchedulerLoop } from './scheduler-loop.js';
import { SchedulerMetrics } from './scheduler-metrics.js';

/** The status the leader publishes for the api (GET /v1/workers, /health). */
export interface SchedulerStatus {
  leader: string;
  policy: string;
  leadingSince: number;
  publishedAt: number;
  lastDecision?: SchedulerLoop['lastDecision'];
}

/**
 * Leader election around the scheduling loop: one scheduler leads while it holds the lease;
 * standbys retry and take over when it lapses. Losing the lease stops the loop at once.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly id: string;
  private readonly redis: Redis;
  private readonly blocking: Redis;
  private readonly lock: LeaderLock;
  private readonly keys: RedisKeys;
  private loop?: SchedulerLoop;
  private leading = false;
  private stopping = false;
  private running?: Promise<void>;

  constructor(
    @Inject(SchedulerEnv) private readonly env: SchedulerEnv,
    @Inject(SchedulerMetrics) private readonly metrics: SchedulerMetrics,
  ) {
    this.id = env.SCHEDULER_ID ?? `${hostname()}-${process.pid}`;
    this.keys = new RedisKeys(env.SWITCHYARD_PREFIX);
    this.redis = createRedisConnection(env.REDIS_URL, `scheduler:${this.id}`);
    this.blocking = createRedisConnection(env.REDIS_URL, `scheduler:${this.id}:blocking`);
    for (const r of [this.redis, this.blocking]) {
      r.on('error', (error) => this.logger.warn(`redis: ${error.message}`));
    }
    this.lock = new LeaderLock(
      this.redis,
      this.keys.schedulerLeader(),
      this.id,
      env.LEADER_LEASE_MS,
    );
  }

  /** Starts campaigning for leadership in the background. */
  onApplicationBootstrap(): void {
    this.logger.log(`scheduler ${this.id} started (policy ${this.env.SCHEDULER_POLICY})`);
    this.running = this.campaign();
  }

  /** Stops leading, hands held jobs back to the queue and gives the lock up. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.loop?.stop();
    await this.running;
    if (this.leading) await this.lock.release().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
    this.blocking.disconnect();
  }

  private async campaign(): Promise<void> {
    while (!this.stopping) {
      const acquired = await this.lock.acquire().catch(() => false);
      if (acquired) {
        await this.lead();
      } else {
        await sleep(Math.min(1000, this.env.LEADER_LEASE_MS / 4));
      }
    }
  }

  private async lead(): Promise<void> {
    this.leading = true;
    const since = Date.now();
    this.logger.log(`${this.id} leads`);
    const loop = new SchedulerLoop(
      this.env,
      this.redis,
      this.blocking,
      createPolicy(this.env.SCHEDULER_POLICY),
      this.metrics,
    );
    this.loop = loop;
    const renewEvery = this.env.LEADER_LEASE_MS / 3;
    const renewal = setInterval(() => {
      void this.lock
        .renew()
        .catch(() => false)
        .then((held) => {
          if (!held && this.leading) {
            this.logger.warn(`${this.id} lost the leader lock; stepping down`);
            this.leading = false;
            loop.stop();
          }
        });
      void this.publishStatus(since).catch(() => undefined);
    }, renewEvery);
    try {
      await this.publishStatus(since);
      await loop.run(() => this.leading && !this.stopping);
    } finally {
      clearInterval(renewal);
      this.loop = undefined;
    }
  }

  private async publishStatus(since: number): Promise<void> {
    const status: SchedulerStatus = {
      leader: this.id,
      policy: this.env.SCHEDULER_POLICY,
      leadingSince: since,
      publishedAt: Date.now(),
      lastDecision: this.loop?.lastDecision,
    };
    await this.redis.set(
      this.keys.schedulerStatus(),
      JSON.stringify(status),
      'PX',
      this.env.LEADER_LEASE_MS * 2,
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
