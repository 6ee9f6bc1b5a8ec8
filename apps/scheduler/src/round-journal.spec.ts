import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  BULL_PRIORITY,
  DECISIONS_KEPT,
  RedisKeys,
  type DecisionRecord,
  type QueueDepthSample,
} from '#switchyard/contracts';
import {
  createRedisConnection,
  MessageStream,
  openJobsQueue,
  type JobsQueue,
} from '#switchyard/fleet';
import type { Action } from '#switchyard/policy';
import { ActionSender } from './action-sender.js';
import { FleetView } from './fleet-view.js';
import { HeldJobsFixture } from './held-jobs-fixture.js';
import { RoundJournal, toRecord } from './round-journal.js';
import { gpuHeartbeat } from './scheduler-test-fixtures.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const dispatch: Action = {
  type: 'dispatch',
  workerId: 'w1',
  jobId: 'j1',
  model: 'big',
  reason: 'big is loaded on w1 with a free slot',
};
const preempt: Action = {
  type: 'preempt',
  workerId: 'w1',
  jobId: 'j0',
  model: 'big',
  path: 'keep-kv',
  reason: 'interactive job j1 would miss its first token by 3 s',
};

describe('RoundJournal (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let queue: JobsQueue;

  before(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    keys = new RedisKeys(`sy-test-${randomBytes(6).toString('hex')}`);
    queue = openJobsQueue(redis, keys.prefix);
  });

  after(async () => {
    await queue.close();
    const leftovers = await redis.keys(`${keys.prefix}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    await redis.quit();
  });

  it('keeps each applied action with its reason (read newest first), capped', async () => {
    const journal = new RoundJournal(redis, keys, queue);
    await journal.afterRound(1_000, [preempt, dispatch], [], []);
    const decisions = new MessageStream<DecisionRecord>(redis, keys.schedulerDecisions());
    const latest = (await decisions.latest(10)).map((d) => d.message);
    assert.deepEqual(latest, [
      {
        at: 1_000,
        type: 'dispatch',
        workerId: 'w1',
        model: 'big',
        jobId: 'j1',
        reason: dispatch.reason,
      },
      {
        at: 1_000,
        type: 'preempt',
        workerId: 'w1',
        model: 'big',
        jobId: 'j0',
        path: 'keep-kv',
        reason: preempt.reason,
      },
    ]);
    const many = Array.from({ length: 3 * DECISIONS_KEPT }, (_, i) => ({
      ...dispatch,
      jobId: `many-${i}`,
    }));
    await journal.afterRound(1_100, many, [], []);
    const length = await redis.xlen(keys.schedulerDecisions());
    // Trimmed with `~`: Redis keeps whole nodes, so a little over the cap.
    assert.ok(length >= DECISIONS_KEPT && length < 2 * DECISIONS_KEPT, `kept ${length}`);
    assert.equal((await decisions.latest(1))[0].message.jobId, `many-${3 * DECISIONS_KEPT - 1}`);
  });

  it('samples waiting (queue and window) and running jobs per class every 2 s', async () => {
    const journal = new RoundJournal(redis, keys, queue);
    await queue.add('q', {} as never, { priority: BULL_PRIORITY.batch });
    await queue.add('q', {} as never, { priority: BULL_PRIORITY.batch });
    const busy = gpuHeartbeat({
      running: [runningJob('r1', 'interactive', 120.5), runningJob('r2', 'batch', 30)],
    });
    await journal.afterRound(10_000, [], ['interactive', 'batch'], [busy]);
    await journal.afterRound(11_000, [], [], [busy]);
    await journal.afterRound(12_000, [], [], []);
    const depth = new MessageStream<QueueDepthSample>(redis, keys.queueDepth());
    const samples = (await depth.since(0)).map((s) => s.message);
    assert.deepEqual(samples, [
      {
        at: 10_000,
        waiting: { interactive: 1, standard: 0, batch: 3 },
        running: { interactive: 1, standard: 0, batch: 1 },
        tokensPerSecond: 150.5,
      },
      {
        at: 12_000,
        waiting: { interactive: 0, standard: 0, batch: 2 },
        running: { interactive: 0, standard: 0, batch: 0 },
        tokensPerSecond: 0,
      },
    ]);
  });

  it('records only the actions whose commands reached their workers, not those held back', async () => {
    // The fixture's fetcher, like the scheduler's, needs a connection that retries without limit.
    const connection = createRedisConnection(REDIS_URL, 'round-journal-spec');
    const fixture = new HeldJobsFixture(connection);
    try {
      await fixture.hold(2);
      const fleet = new FleetView();
      fleet.build(['w1', 'w2'].map((id) => gpuHeartbeat({ id, appliedCommandId: '0-0' })));
      const quiet = () => undefined;
      const logger = { debug: quiet, log: quiet, warn: quiet, error: quiet } as unknown as Logger;
      const sender = new ActionSender(connection, fixture.keys, fixture.window, fleet, 512, logger);
      // A string where w2's stream should be: every append to it fails (WRONGTYPE).
      await connection.set(fixture.keys.workerCommands('w2'), 'not a stream');
      const round: Action[] = [
        { ...preempt, workerId: 'w2' },
        { ...dispatch, workerId: 'w1', jobId: 'job-0' },
        { ...dispatch, workerId: 'w2', jobId: 'job-1' },
      ];
      const delivery = await sender.applyRound(round);
      assert.deepEqual(delivery.returned, ['job-1']);

      const journal = new RoundJournal(connection, fixture.keys, fixture.queue);
      await journal.afterRound(2_000, delivery.applied, [], []);
      const decisions = new MessageStream<DecisionRecord>(
        connection,
        fixture.keys.schedulerDecisions(),
      );
      const recorded = (await decisions.since(0)).map(
        ({ message: m }) => `${m.type} ${m.jobId} → ${m.workerId}`,
      );
      assert.deepEqual(recorded, ['dispatch job-0 → w1']);
    } finally {
      await fixture.cleanup();
      connection.disconnect();
    }
  });

  it('records the GPU layers of a load', () => {
    const load: Action = {
      type: 'load',
      workerId: 'w2',
      model: 'small',
      gpuLayers: 12,
      contextSize: 512,
      slots: 2,
      reason: 'for job j3',
    };
    assert.deepEqual(toRecord(5, load), {
      at: 5,
      type: 'load',
      workerId: 'w2',
      model: 'small',
      gpuLayers: 12,
      reason: 'for job j3',
    });
  });
});

function runningJob(jobId: string, priority: 'interactive' | 'batch', tokensPerSecond: number) {
  return {
    jobId,
    model: 'big',
    priority,
    phase: 'decoding',
    promptTokens: 10,
    maxTokens: 100,
    preemptions: 0,
    completionTokens: 5,
    tokensPerSecond,
    startedAt: 1,
  };
}
