import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { JobProgress, WorkerCommand } from '#switchyard/contracts';
import { createRedisConnection, MessageStream } from '#switchyard/fleet';
import type { Action } from '#switchyard/policy';
import { ActionSender } from './action-sender.js';
import { FleetView } from './fleet-view.js';
import { HeldJobsFixture } from './held-jobs-fixture.js';
import { gpuHeartbeat } from './scheduler-test-fixtures.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A Logger that keeps what was logged at error level. */
function recordingLogger(errors: string[]): Logger {
  const quiet = () => undefined;
  return {
    debug: quiet,
    log: quiet,
    warn: quiet,
    error: (message: string) => errors.push(message),
  } as unknown as Logger;
}

/**
 * `redis` whose pipelines send a malformed XADD (which Redis refuses on its own) in place of the
 * append of the message whose JSON contains `marker`.
 */
function failingOne(redis: Redis, marker: string): Redis {
  return new Proxy(redis, {
    get(target, property, receiver) {
      if (property !== 'pipeline') return Reflect.get(target, property, receiver) as unknown;
      return () => {
        const pipeline = target.pipeline();
        const xadd = pipeline.xadd.bind(pipeline) as (...args: unknown[]) => unknown;
        (pipeline as unknown as { xadd: unknown }).xadd = (key: string, ...args: string[]) =>
          args.some((a) => String(a).includes(marker))
            ? xadd(key, 'NOT-A-STREAM-ID')
            : xadd(key, ...args);
        return pipeline;
      };
    },
  });
}

const load = (workerId: string, model: string): Action => ({
  type: 'load',
  workerId,
  model,
  gpuLayers: 10,
  contextSize: 512,
  slots: 2,
  reason: `load ${model}`,
});
const dispatch = (workerId: string, jobId: string, model = 'big'): Action => ({
  type: 'dispatch',
  workerId,
  jobId,
  model,
  reason: `run ${jobId} on ${workerId}`,
});
const preempt = (workerId: string, jobId: string): Action => ({
  type: 'preempt',
  workerId,
  jobId,
  model: 'big',
  path: 'keep-kv',
  reason: `free a slot on ${workerId}`,
});

/** A mixed round over three workers, each worker's commands interleaved with the others'. */
const ROUND: Action[] = [
  load('w1', 'small'),
  preempt('w2', 'old-1'),
  dispatch('w1', 'job-0', 'small'),
  dispatch('w2', 'job-1'),
  { type: 'unload', workerId: 'w3', model: 'stale', reason: 'idle' },
  dispatch('w1', 'job-2'),
  dispatch('w3', 'job-3'),
  { type: 'reoffload', workerId: 'w3', model: 'big', gpuLayers: 4, reason: 'make room' },
  preempt('w2', 'old-2'),
  dispatch('w2', 'job-4'),
  dispatch('w1', 'job-5'),
];

/** What each worker's stream must hold after ROUND, in order (run fields checked apart). */
const EXPECTED: Record<string, string[]> = {
  w1: ['load small', 'run job-0', 'run job-2', 'run job-5'],
  w2: ['preempt old-1', 'run job-1', 'preempt old-2', 'run job-4'],
  w3: ['unload stale', 'run job-3', 'load big'],
};

describe('ActionSender (real Redis)', () => {
  let redis: Redis;
  let fixture: HeldJobsFixture;
  let fleet: FleetView;
  let errors: string[];
  let sender: ActionSender;

  beforeEach(async () => {
    redis = createRedisConnection(REDIS_URL, 'action-sender-spec');
    fixture = new HeldJobsFixture(redis);
    fleet = new FleetView();
    fleet.build(['w1', 'w2', 'w3'].map((id) => gpuHeartbeat({ id, appliedCommandId: '0-0' })));
    errors = [];
    sender = new ActionSender(
      redis,
      fixture.keys,
      fixture.window,
      fleet,
      512,
      recordingLogger(errors),
    );
    await fixture.hold(6);
  });

  afterEach(async () => {
    await fixture.cleanup();
    redis.disconnect();
  });

  async function streamOf(workerId: string): Promise<WorkerCommand[]> {
    const stream = new MessageStream<WorkerCommand>(redis, fixture.keys.workerCommands(workerId));
    return (await stream.since(0)).map((m) => m.message);
  }

  const label = (c: WorkerCommand) =>
    'jobId' in c ? `${c.type} ${c.jobId}` : 'model' in c ? `${c.type} ${c.model}` : c.type;

  async function progressOf(jobId: string): Promise<JobProgress> {
    return (await fixture.queue.getJob(jobId))!.progress as unknown as JobProgress;
  }

  it('sends each worker exactly its commands, in the round order, with the held lock tokens', async () => {
    const tokens = new Map(fixture.window.jobs().map((h) => [h.job.id!, h.token]));
    const delivery = await sender.applyRound(ROUND);

    assert.deepEqual(errors, []);
    assert.deepEqual(delivery.applied, ROUND);
    assert.deepEqual(delivery.returned, []);
    assert.equal(delivery.failed, 0);
    assert.equal(delivery.sent, 11);
    assert.deepEqual(
      [...delivery.dispatched].sort(),
      [0, 1, 2, 3, 4, 5].map((i) => `job-${i}`),
    );
    assert.equal(fixture.window.size, 0);
    for (const [workerId, expected] of Object.entries(EXPECTED)) {
      const commands = await streamOf(workerId);
      assert.deepEqual(commands.map(label), expected, workerId);
      for (const c of commands) {
        if (c.type !== 'run') continue;
        assert.equal(c.lockToken, tokens.get(c.jobId));
        assert.equal(c.priority, 'standard');
        assert.ok(c.dispatchedAt > 0);
        const progress = await progressOf(c.jobId);
        assert.equal(progress.phase, 'scheduled');
        assert.equal(progress.workerId, workerId);
        assert.equal(progress.reason, `run ${c.jobId} on ${workerId}`);
      }
    }
    // The fleet view counts every run as pending on its worker.
    const workers = fleet.build(
      ['w1', 'w2', 'w3'].map((id) => gpuHeartbeat({ id, appliedCommandId: '0-0' })),
    );
    const running = Object.fromEntries(
      workers.map((w) => [w.id, w.running.map((r) => r.jobId).sort()]),
    );
    assert.deepEqual(running, {
      w1: ['job-0', 'job-2', 'job-5'],
      w2: ['job-1', 'job-4'],
      w3: ['job-3'],
    });
  });

  it('a worker whose stream refuses writes gets nothing; its jobs are held again, the others are sent', async () => {
    // A string where w2's stream should be: every XADD to it fails (WRONGTYPE).
    await redis.set(fixture.keys.workerCommands('w2'), 'not a stream');
    const delivery = await sender.applyRound(ROUND);

    assert.deepEqual([...delivery.returned].sort(), ['job-1', 'job-4']);
    assert.deepEqual([...delivery.dispatched].sort(), ['job-0', 'job-2', 'job-3', 'job-5']);
    assert.deepEqual(
      delivery.applied,
      ROUND.filter((a) => a.workerId !== 'w2'),
    );
    assert.equal(delivery.failed, 4);
    assert.equal(await redis.get(fixture.keys.workerCommands('w2')), 'not a stream');
    assert.deepEqual((await streamOf('w1')).map(label), EXPECTED.w1);
    assert.deepEqual((await streamOf('w3')).map(label), EXPECTED.w3);
    // Held again with their locks, shown queued, each named in an error.
    assert.deepEqual(
      fixture.window
        .jobs()
        .map((h) => h.job.id)
        .sort(),
      ['job-1', 'job-4'],
    );
    for (const jobId of ['job-1', 'job-4']) {
      assert.equal(await fixture.queue.getJobState(jobId), 'active');
      assert.equal((await progressOf(jobId)).phase, 'queued');
      assert.ok(
        errors.some((e) => e.includes(jobId) && e.includes('w2')),
        `no error names ${jobId}: ${errors.join(' | ')}`,
      );
    }
    assert.ok(errors.some((e) => e.includes('preempt of job old-1') && e.includes('WRONGTYPE')));
    // w2 has no run pending in the fleet view; the other workers have theirs.
    const workers = fleet.build(
      ['w1', 'w2', 'w3'].map((id) => gpuHeartbeat({ id, appliedCommandId: '0-0' })),
    );
    assert.deepEqual(
      workers.map((w) => w.running.length),
      [3, 0, 1],
    );

    // The next round sends them once the stream is usable again: nothing lost, nothing twice.
    await redis.del(fixture.keys.workerCommands('w2'));
    const retry = await sender.applyRound([dispatch('w2', 'job-1'), dispatch('w2', 'job-4')]);
    assert.deepEqual(retry.dispatched, ['job-1', 'job-4']);
    assert.deepEqual((await streamOf('w2')).map(label), ['run job-1', 'run job-4']);
    assert.equal(fixture.window.size, 0);
  });

  it("one command refused alone withholds the rest of its worker's round, not other workers'", async () => {
    // Redis refuses w1's run of job-2 (a malformed XADD in its place); every other command is fine.
    const failing = failingOne(redis, '"jobId":"job-2"');
    sender = new ActionSender(
      failing,
      fixture.keys,
      fixture.window,
      fleet,
      512,
      recordingLogger(errors),
    );
    const delivery = await sender.applyRound(ROUND);

    assert.deepEqual((await streamOf('w1')).map(label), ['load small', 'run job-0']);
    assert.deepEqual((await streamOf('w2')).map(label), EXPECTED.w2);
    assert.deepEqual((await streamOf('w3')).map(label), EXPECTED.w3);
    assert.deepEqual([...delivery.returned].sort(), ['job-2', 'job-5']);
    assert.equal(delivery.failed, 2);
    assert.deepEqual(
      delivery.applied,
      ROUND.filter((a) => !('jobId' in a) || !['job-2', 'job-5'].includes(a.jobId)),
    );
    assert.deepEqual(
      fixture.window
        .jobs()
        .map((h) => h.job.id)
        .sort(),
      ['job-2', 'job-5'],
    );
    assert.ok(errors.some((e) => e.startsWith('run of job job-2 → w1 failed')));
    assert.ok(errors.some((e) => e.startsWith('run of job job-5 → w1 not sent')));
  });

  it('a job whose progress cannot be written is held again; its worker still gets the rest in order', async () => {
    // job-2's hash is gone: BullMQ's progress script answers "missing job".
    const held = fixture.window.get('job-2')!;
    await redis.del(`${held.job.queueQualifiedName}:job-2`);
    const delivery = await sender.applyRound(ROUND);

    assert.deepEqual(delivery.returned, ['job-2']);
    assert.equal(delivery.failed, 0);
    assert.deepEqual(
      delivery.applied,
      ROUND.filter((a) => !('jobId' in a) || a.jobId !== 'job-2'),
    );
    assert.deepEqual(
      (await streamOf('w1')).map(label),
      EXPECTED.w1.filter((c) => c !== 'run job-2'),
    );
    assert.deepEqual((await streamOf('w2')).map(label), EXPECTED.w2);
    assert.deepEqual((await streamOf('w3')).map(label), EXPECTED.w3);
    assert.deepEqual(
      fixture.window.jobs().map((h) => h.job.id),
      ['job-2'],
    );
    assert.ok(errors.some((e) => e.includes('job-2')));
  });

  it('a dispatch of a job the window no longer holds sends nothing', async () => {
    fixture.window.take('job-0');
    const round = [load('w1', 'small'), dispatch('w1', 'job-0')];
    const delivery = await sender.applyRound(round);
    assert.deepEqual(delivery.dispatched, []);
    assert.deepEqual(delivery.applied, [round[0]]);
    assert.deepEqual((await streamOf('w1')).map(label), ['load small']);
  });
});
