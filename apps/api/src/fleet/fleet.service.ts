import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  PRIORITY_CLASSES,
  QUEUE_DEPTH_SAMPLE_MS,
  RedisKeys,
  SLA_RECENT_MINUTES,
  type DecisionRecord,
  type FleetSnapshot,
  type PerClass,
  type QueueDepthSample,
  type WaitingJob,
} from '#switchyard/contracts';
import { MessageStream, SlaLedger } from '#switchyard/fleet';
import { JobsService } from '../jobs/jobs.service.js';
import { WorkersService } from '../workers/workers.service.js';
import {
  readPublishedStatus,
  toFleetWorker,
  toWaitingJob,
  withAttainment,
  type PublishedWait,
} from './fleet-snapshot.mapper.js';

/** How far back the queue-depth history goes. */
export const HISTORY_MS = 10 * 60_000;
/** How many of the latest decisions a snapshot carries. */
export const DECISIONS_SHOWN = 40;
/** How many waiting jobs a snapshot explains (each is one job read, as GET /v1/jobs/:id does). */
export const WAITING_SHOWN = 20;
// Stream ids carry Redis's clock, samples the scheduler's: read a little early, then filter.
const CLOCK_SLACK_MS = 5_000;

/**
 * Assembles the fleet page's snapshot from what the processes publish in Redis: heartbeats,
 * the leader's status, its decisions and queue-depth streams, and the SLA outcome counts.
 */
@Injectable()
export class FleetService {
  private readonly decisions: MessageStream<DecisionRecord>;
  private readonly depth: MessageStream<QueueDepthSample>;
  private readonly sla: SlaLedger;

  constructor(
    redis: Redis,
    keys: RedisKeys,
    private readonly workers: WorkersService,
    private readonly jobs: JobsService,
  ) {
    this.decisions = new MessageStream(redis, keys.schedulerDecisions());
    this.depth = new MessageStream(redis, keys.queueDepth());
    this.sla = new SlaLedger(redis, keys);
  }

  /** The whole snapshot; with `since` (epoch ms) only queue samples taken after it. */
  async snapshot(since?: number): Promise<FleetSnapshot> {
    const at = Date.now();
    const from = Math.max(at - HISTORY_MS, since === undefined ? 0 : since + 1);
    const [fleet, samples, newest, sla, decisions] = await Promise.all([
      this.workers.fleet(),
      this.depth.since(from - CLOCK_SLACK_MS),
      this.depth.latest(1),
      this.sla.read(at),
      this.decisions.latest(DECISIONS_SHOWN),
    ]);
    const status = readPublishedStatus(fleet.scheduler.status);
    return {
      at,
      scheduler: {
        leader: fleet.scheduler.leader,
        policy: status.policy,
        leadingSince: status.leadingSince,
        lastRoundAt: status.lastRoundAt,
        decideMs: status.decideMs,
        windowSize: status.windowSize,
      },
      workers: fleet.workers.map(toFleetWorker),
      queue: {
        samples: samples.map((s) => s.message).filter((s) => s.at >= from),
        waiting: newest[0]?.message.waiting ?? zeroPerClass(),
        sampleEveryMs: QUEUE_DEPTH_SAMPLE_MS,
      },
      sla: withAttainment(sla),
      slaRecentMinutes: SLA_RECENT_MINUTES,
      decisions: decisions.map((d) => d.message),
      waiting: fleet.scheduler.leader ? await this.waitingJobs(status.waiting) : [],
    };
  }

  /** The first waiting jobs the leader published, read again now (some may have started). */
  private async waitingJobs(published: PublishedWait[]): Promise<WaitingJob[]> {
    const shown = published.slice(0, WAITING_SHOWN);
    const views = await Promise.all(shown.map((w) => this.jobs.find(w.jobId)));
    return shown
      .map((wait, i) => toWaitingJob(views[i], wait))
      .filter((job): job is WaitingJob => job !== null);
  }
}

function zeroPerClass(): PerClass {
  return Object.fromEntries(PRIORITY_CLASSES.map((c) => [c, 0])) as PerClass;
}
