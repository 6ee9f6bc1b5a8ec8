import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { JobProgress, RedisKeys, WorkerCommand } from '#switchyard/contracts';
import { MessageStream } from '#switchyard/fleet';
import type { Action } from '#switchyard/policy';
import type { FleetView } from '../../apps/scheduler/src/fleet-view.js';
import type { JobWindow } from '../../apps/scheduler/src/job-window.js';
import type { SchedulerMetrics } from '../../apps/scheduler/src/scheduler-metrics.js';

/**
 * The baseline of `npm run bench:dispatch`: the scheduler's action sender as it was before a
 * round's Redis work was batched (commit 514aff4), applying one action at a time — each
 * dispatch awaits its job's progress write, then the append to the worker's stream.
 */
export class SequentialActionSender {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly window: JobWindow,
    private readonly fleet: FleetView,
    private readonly contextSize: number,
    private readonly logger: Logger,
    private readonly metrics?: SchedulerMetrics,
  ) {}

  /** Sends the action to its worker; a dispatch also takes the job out of the window. */
  async apply(action: Action): Promise<void> {
    this.logger.debug(
      `${action.type} ${'jobId' in action ? action.jobId : action.model} → ${action.workerId}: ${action.reason}`,
    );
    switch (action.type) {
      case 'load':
        return this.send(action.workerId, {
          type: 'load',
          model: action.model,
          gpuLayers: action.gpuLayers,
          contextSize: action.contextSize,
          slots: action.slots,
        });
      case 'unload':
        return this.send(action.workerId, { type: 'unload', model: action.model });
      case 'reoffload':
        // A load at another level reloads the model in place (the worker refuses while it is busy).
        return this.send(action.workerId, {
          type: 'load',
          model: action.model,
          gpuLayers: action.gpuLayers,
          contextSize: this.contextSize,
          slots: this.fleet.slotsOf(action.workerId, action.model),
        });
      case 'preempt':
        return this.send(action.workerId, {
          type: 'preempt',
          jobId: action.jobId,
          reason: action.reason,
        });
      case 'dispatch': {
        const held = this.window.take(action.jobId);
        if (!held) return;
        const progress: JobProgress = {
          phase: 'scheduled',
          workerId: action.workerId,
          reason: action.reason,
          updatedAt: Date.now(),
        };
        await held.job.updateProgress(progress as unknown as object);
        this.metrics?.recordDispatch(action.jobId, {
          priority: held.job.data.priority,
          model: action.model,
        });
        return this.send(action.workerId, {
          type: 'run',
          jobId: action.jobId,
          lockToken: held.token,
          model: action.model,
          priority: held.job.data.priority,
          dispatchedAt: Date.now(),
        });
      }
    }
  }

  /** Applies a round's actions one after the other, as the scheduler loop did. */
  async applyRound(actions: Action[]): Promise<void> {
    for (const action of actions) await this.apply(action);
  }

  /** Appends a command to the worker's command stream and records it as sent. */
  async send(workerId: string, command: WorkerCommand): Promise<void> {
    const stream = new MessageStream<WorkerCommand>(this.redis, this.keys.workerCommands(workerId));
    const id = await stream.send(command);
    this.fleet.recordSent(workerId, id, command);
  }
}
