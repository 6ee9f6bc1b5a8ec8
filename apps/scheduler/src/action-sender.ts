import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { JobProgress, RedisKeys, WorkerCommand } from '#switchyard/contracts';
import { MessageStream } from '#switchyard/fleet';
import type { Action } from '#switchyard/policy';
import type { FleetView } from './fleet-view.js';
import type { HeldJob, JobWindow } from './job-window.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';

/** One command of a round for one worker; a run carries the held job it hands over. */
interface PlannedCommand {
  action: Action;
  command: WorkerCommand;
  /** The policy's reason, written into a dispatched job's progress. */
  reason: string;
  held?: HeldJob;
}

/** A round in flight: its tally, and the jobs taken for dispatch not yet sent nor held again. */
interface RoundState {
  delivery: RoundDelivery;
  unsettled: Set<HeldJob>;
  /** Jobs held again after `scheduled` was written into their progress. */
  shownScheduled: HeldJob[];
  /** Actions whose command was appended to its worker's stream. */
  sentActions: Set<Action>;
}

/** What applying a round did: jobs handed to workers, jobs held again, commands not delivered. */
export interface RoundDelivery {
  /** The round's actions whose command reached its worker's stream, in the round's order. */
  applied: Action[];
  /** Commands appended to workers' streams. */
  sent: number;
  /** Jobs whose run command reached their worker's stream. */
  dispatched: string[];
  /** Jobs taken for dispatch that are held in the window again (a Redis error on their way). */
  returned: string[];
  /** Commands that failed, or were withheld because an earlier one to the same worker failed. */
  failed: number;
}

/**
 * Turns the policy's actions into worker commands: loads, unloads, re-offloads and preemptions
 * as they are; a dispatch hands the held job, with its lock token, to the worker that runs it.
 * A round's Redis work is batched: every dispatched job's progress is written concurrently, then
 * the commands go out in waves, one pipeline per wave holding the next command of every worker.
 */
export class ActionSender {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly window: JobWindow,
    private readonly fleet: FleetView,
    private readonly contextSize: number,
    private readonly logger: Logger,
    private readonly metrics?: SchedulerMetrics,
  ) {}

  /**
   * Applies a round's actions. Commands to one worker keep the round's order, and a worker gets
   * none after one of its commands failed (a run behind a failed load or preempt would find no
   * model or no slot). A job taken for dispatch whose run does not reach its worker is held again.
   */
  async applyRound(actions: Action[]): Promise<RoundDelivery> {
    const perWorker = this.plan(actions);
    const round: RoundState = {
      delivery: { applied: [], sent: 0, dispatched: [], returned: [], failed: 0 },
      // Every job taken from the window stays here until it is sent or held again.
      unsettled: new Set([...perWorker.values()].flat().flatMap((p) => (p.held ? [p.held] : []))),
      shownScheduled: [],
      sentActions: new Set(),
    };
    try {
      await this.writeScheduledProgress(perWorker, round);
      await this.sendInWaves(perWorker, round);
    } finally {
      for (const held of round.unsettled) {
        this.logger.error(`job ${held.job.id}: not dispatched (round aborted); held again`);
        this.giveBack(held, round);
      }
    }
    round.delivery.applied = actions.filter((a) => round.sentActions.has(a));
    return round.delivery;
  }

  /** Appends a command to the worker's command stream and records it as sent. */
  async send(workerId: string, command: WorkerCommand): Promise<void> {
    const stream = new MessageStream<WorkerCommand>(this.redis, this.keys.workerCommands(workerId));
    const id = await stream.send(command);
    this.fleet.recordSent(workerId, id, command);
  }

  /** Each worker's commands in the round's order; dispatched jobs are taken out of the window. */
  private plan(actions: Action[]): Map<string, PlannedCommand[]> {
    const perWorker = new Map<string, PlannedCommand[]>();
    for (const action of actions) {
      this.logger.debug(
        `${action.type} ${'jobId' in action ? action.jobId : action.model} → ${action.workerId}: ${action.reason}`,
      );
      const command = this.commandFor(action);
      if (!command) continue;
      const planned = { ...command, action };
      const list = perWorker.get(action.workerId) ?? [];
      list.push(planned);
      perWorker.set(action.workerId, list);
    }
    return perWorker;
  }

  private commandFor(action: Action): Omit<PlannedCommand, 'action'> | undefined {
    switch (action.type) {
      case 'load':
        return {
          reason: action.reason,
          command: {
            type: 'load',
            model: action.model,
            gpuLayers: action.gpuLayers,
            contextSize: action.contextSize,
            slots: action.slots,
          },
        };
      case 'unload':
        return { reason: action.reason, command: { type: 'unload', model: action.model } };
      case 'reoffload':
        // A load at another level reloads the model in place (the worker refuses while it is busy).
        return {
          reason: action.reason,
          command: {
            type: 'load',
            model: action.model,
            gpuLayers: action.gpuLayers,
            contextSize: this.contextSize,
            slots: this.fleet.slotsOf(action.workerId, action.model),
          },
        };
      case 'preempt':
        return {
          reason: action.reason,
          command: { type: 'preempt', jobId: action.jobId, reason: action.reason },
        };
      case 'dispatch': {
        const held = this.window.take(action.jobId);
        if (!held) return undefined;
        return {
          held,
          reason: action.reason,
          command: {
            type: 'run',
            jobId: action.jobId,
            lockToken: held.token,
            model: action.model,
            priority: held.job.data.priority,
            dispatchedAt: 0, // set when it is sent
          },
        };
      }
    }
  }

  /**
   * Writes `scheduled` into every dispatched job's progress before any run is sent, so a worker's
   * own progress (loading, prefill) is never overwritten by it. BullMQ's call (a script that also
   * emits the progress event) is kept; issued together, the calls share the connection's round
   * trips. A job whose write fails is held again and its run dropped from the round.
   */
  private async writeScheduledProgress(
    perWorker: Map<string, PlannedCommand[]>,
    round: RoundState,
  ): Promise<void> {
    await Promise.all(
      [...perWorker].flatMap(([workerId, planned]) =>
        planned.map(async (p) => {
          const held = p.held;
          if (!held) return;
          const progress: JobProgress = {
            phase: 'scheduled',
            workerId,
            reason: p.reason,
            updatedAt: Date.now(),
          };
          await held.job.updateProgress(progress as unknown as object).catch((error: Error) => {
            this.logger.error(
              `job ${held.job.id}: progress before its dispatch to ${workerId} failed: ${error.message}; held again`,
            );
            this.giveBack(held, round);
            p.held = undefined;
          });
        }),
      ),
    );
    // Runs whose job is held again are not sent; the worker's other commands still are.
    for (const [workerId, planned] of perWorker) {
      const kept = planned.filter((p) => p.command.type !== 'run' || p.held);
      if (kept.length > 0) perWorker.set(workerId, kept);
      else perWorker.delete(workerId);
    }
  }

  /**
   * Sends wave after wave: wave k holds the k-th command of every worker still in the round, in
   * one pipeline, so a worker's command k+1 is appended only after its command k was.
   */
  private async sendInWaves(
    perWorker: Map<string, PlannedCommand[]>,
    round: RoundState,
  ): Promise<void> {
    const queues = new Map([...perWorker].map(([w, planned]) => [w, [...planned]]));
    while (queues.size > 0) {
      const wave = [...queues].map(([workerId, planned]) => ({ workerId, p: planned.shift()! }));
      const pipeline = this.redis.pipeline();
      for (const { workerId, p } of wave) {
        if (p.command.type === 'run') p.command.dispatchedAt = Date.now();
        new MessageStream<WorkerCommand>(this.redis, this.keys.workerCommands(workerId)).queueSend(
          pipeline,
          p.command,
        );
      }
      const results = await pipeline
        .exec()
        .catch((error: Error) => wave.map((): [Error, null] => [error, null]));
      for (const [i, { workerId, p }] of wave.entries()) {
        const [error, id] = results?.[i] ?? [new Error('no reply'), null];
        if (error || typeof id !== 'string') {
          this.failWorker(workerId, p, error ?? new Error('no stream id'), queues, round);
          continue;
        }
        this.fleet.recordSent(workerId, id, p.command);
        round.sentActions.add(p.action);
        round.delivery.sent += 1;
        if (p.held && p.command.type === 'run') {
          round.unsettled.delete(p.held);
          round.delivery.dispatched.push(p.command.jobId);
          this.metrics?.recordDispatch(p.command.jobId, {
            priority: p.command.priority,
            model: p.command.model,
          });
        }
      }
      for (const [workerId, planned] of queues) if (planned.length === 0) queues.delete(workerId);
    }
    // Their progress says `scheduled`: show them queued until the next round explains them.
    await Promise.all(
      round.shownScheduled.map((held) => {
        const progress: JobProgress = {
          phase: 'queued',
          reason: 'dispatch failed; placed again next round',
          updatedAt: Date.now(),
        };
        return held.job.updateProgress(progress as unknown as object).catch(() => undefined);
      }),
    );
  }

  /** A worker's command failed: log it, hold its run's job again, withhold the worker's rest. */
  private failWorker(
    workerId: string,
    failed: PlannedCommand,
    error: Error,
    queues: Map<string, PlannedCommand[]>,
    round: RoundState,
  ): void {
    this.logger.error(
      `${describeCommand(failed.command)} → ${workerId} failed: ${error.message}` +
        (failed.held ? '; job held again' : ''),
    );
    const withheld = queues.get(workerId) ?? [];
    for (const rest of withheld) {
      this.logger.error(
        `${describeCommand(rest.command)} → ${workerId} not sent after an earlier command failed` +
          (rest.held ? '; job held again' : ''),
      );
    }
    round.delivery.failed += 1 + withheld.length;
    for (const { held } of [failed, ...withheld]) {
      if (!held) continue;
      this.giveBack(held, round);
      round.shownScheduled.push(held);
    }
    queues.delete(workerId);
  }

  /** Puts a job taken for dispatch back into the window (once), to be placed by a later round. */
  private giveBack(held: HeldJob, round: RoundState): void {
    if (!round.unsettled.delete(held)) return;
    held.shownReason = undefined;
    this.window.restore(held);
    round.delivery.returned.push(held.job.id!);
  }
}

function describeCommand(command: WorkerCommand): string {
  return 'jobId' in command
    ? `${command.type} of job ${command.jobId}`
    : 'model' in command
      ? `${command.type} of ${command.model}`
      : command.type;
}
