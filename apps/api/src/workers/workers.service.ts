import { Injectable, NotFoundException } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisKeys, type WorkerCommand } from '#switchyard/contracts';
import { LeaderLock, MessageStream, WorkerRegistry } from '#switchyard/fleet';
import type { FleetViewDto } from './dto/fleet-view.dto.js';

/** Reads the fleet as workers and the scheduler publish it in Redis. */
@Injectable()
export class WorkersService {
  private readonly registry: WorkerRegistry;
  private readonly leaderLock: LeaderLock;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    this.registry = new WorkerRegistry(redis, keys);
    // Only read: the api never takes the lock, so owner and lease do not matter.
    this.leaderLock = new LeaderLock(redis, keys.schedulerLeader(), 'api', 0);
  }

  /** Every live worker (by heartbeat), sorted by id. */
  listWorkers(): Promise<FleetViewDto['workers']> {
    return this.registry.list();
  }

  /** The id of the scheduler leader, or null. */
  leader(): Promise<string | null> {
    return this.leaderLock.holder();
  }

  /**
   * Asks a worker to drain: it takes no new job, lets running ones finish (or hands them back after
   * its drain timeout), unloads, deregisters and exits. Throws NotFoundException for an unknown id.
   */
  async drain(workerId: string): Promise<{ id: string; state: 'draining' }> {
    const workers = await this.registry.list();
    if (!workers.some((w) => w.id === workerId)) {
      const ids = workers.map((w) => w.id).join(', ') || 'none';
      throw new NotFoundException(`worker "${workerId}" not found; live workers: ${ids}`);
    }
    const commands = new MessageStream<WorkerCommand>(
      this.redis,
      this.keys.workerCommands(workerId),
    );
    await commands.send({ type: 'drain', requestedAt: Date.now() });
    return { id: workerId, state: 'draining' };
  }

  /** Workers plus the scheduler's leader and last published status. */
  async fleet(): Promise<FleetViewDto> {
    const [workers, leader, status] = await Promise.all([
      this.listWorkers(),
      this.leader(),
      this.redis.get(this.keys.schedulerStatus()),
    ]);
    return { workers, scheduler: { leader, status: parseJson(status) } };
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
