import type { Redis } from 'ioredis';
import {
  BULL_PRIORITY,
  DECISIONS_KEPT,
  PRIORITY_CLASSES,
  QUEUE_DEPTH_SAMPLE_MS,
  RedisKeys,
  type DecisionRecord,
  type PerClass,
  type PriorityClass,
  type QueueDepthSample,
  type WorkerState,
} from '#switchyard/contracts';
import { MessageStream, type JobsQueue } from '#switchyard/fleet';
import type { Action } from '#switchyard/policy';

// A little over ten minutes of samples: the page shows the last ten.
const QUEUE_DEPTH_KEPT = 330;

/**
 * What the leader leaves in Redis for the fleet page: each round's applied actions with their
 * reasons (a capped stream), and every QUEUE_DEPTH_SAMPLE_MS the backlog and running work per
 * class. The leader writes them because only it knows its look-ahead window, whose jobs BullMQ
 * counts as active, not as waiting.
 */
export class RoundJournal {
  private readonly decisions: MessageStream<DecisionRecord>;
  private readonly depth: MessageStream<QueueDepthSample>;
  private lastSampleAt = 0;

  constructor(
    redis: Redis,
    keys: RedisKeys,
    private readonly queue: JobsQueue,
  ) {
    this.decisions = new MessageStream(redis, keys.schedulerDecisions(), DECISIONS_KEPT);
    this.depth = new MessageStream(redis, keys.queueDepth(), QUEUE_DEPTH_KEPT);
  }

  /**
   * Records a round's applied actions (RoundDelivery's `applied`: those whose command was sent),
   * and a depth sample when one is due: `windowClasses` are the classes of the jobs still held in
   * the window, `heartbeats` the workers' last ones.
   */
  async afterRound(
    at: number,
    applied: Action[],
    windowClasses: PriorityClass[],
    heartbeats: WorkerState[],
  ): Promise<void> {
    if (applied.length > 0) {
      await this.decisions.sendMany(applied.slice(-DECISIONS_KEPT).map((a) => toRecord(at, a)));
    }
    if (at - this.lastSampleAt < QUEUE_DEPTH_SAMPLE_MS) return;
    this.lastSampleAt = at;
    await this.depth.send(await this.sample(at, windowClasses, heartbeats));
  }

  private async sample(
    at: number,
    windowClasses: PriorityClass[],
    heartbeats: WorkerState[],
  ): Promise<QueueDepthSample> {
    const queued = await this.queue.getCountsPerPriority(
      PRIORITY_CLASSES.map((c) => BULL_PRIORITY[c]),
    );
    const waiting = perClass((c) => (queued[BULL_PRIORITY[c]] ?? 0) + count(windowClasses, c));
    const jobs = heartbeats.flatMap((h) => h.running);
    const running = perClass((c) =>
      count(
        jobs.map((j) => j.priority),
        c,
      ),
    );
    const tokensPerSecond = jobs.reduce((sum, j) => sum + j.tokensPerSecond, 0);
    return { at, waiting, running, tokensPerSecond: Math.round(tokensPerSecond * 10) / 10 };
  }
}

/** The stream entry of one applied action. */
export function toRecord(at: number, action: Action): DecisionRecord {
  const record: DecisionRecord = {
    at,
    type: action.type,
    workerId: action.workerId,
    model: action.model,
    reason: action.reason,
  };
  if ('jobId' in action) record.jobId = action.jobId;
  if ('gpuLayers' in action) record.gpuLayers = action.gpuLayers;
  if (action.type === 'preempt') record.path = action.path;
  return record;
}

function perClass(of: (c: PriorityClass) => number): PerClass {
  return Object.fromEntries(PRIORITY_CLASSES.map((c) => [c, of(c)])) as PerClass;
}

function count(classes: PriorityClass[], c: PriorityClass): number {
  return classes.reduce((n, x) => n + (x === c ? 1 : 0), 0);
}
