import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  BULL_PRIORITY,
  JOBS_QUEUE,
  RedisKeys,
  type JobData,
  type JobResult,
  type WorkerCommand,
} from '#switchyard/contracts';
import type { LlamaEngine } from '#switchyard/engine';
import { createRedisConnection, openJobsQueue, type JobsQueue } from '#switchyard/fleet';
import { JobRunner } from './job-runner.js';
import { KvStateStore } from './kv-state-store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An engine that fails the test if a run gets as far as generating. */
const untouchable = new Proxy({} as LlamaEngine, {
  get(_target, property) {
    throw new Error(`the engine was used (${String(property)})`);
  },
});

describe('JobRunner given a run command that arrives late (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let queue: JobsQueue;
  let fetcher: Worker<JobData, JobResult>;
  let added = 0;

  before(() => {
    redis = createRedisConnection(REDIS_URL, 'job-runner-spec');
    keys = new RedisKeys(`sy-test-${randomBytes(6).toString('hex')}`);
    queue = openJobsQueue(redis, keys.prefix);
    fetcher = new Worker<JobData, JobResult>(JOBS_QUEUE, null, {
      connection: redis,
      prefix: keys.prefix,
      autorun: false,
      lockDuration: 30_000,
    });
  });

  after(async () => {
    await fetcher.close();
    await queue.close();
    const leftovers = await redis.keys(`${keys.prefix}:*`);
    if (leftovers.length > 0) await redis.del(...leftovers);
    redis.disconnect();
  });

  /** Adds a job and fetches it as the scheduler does; returns it with its lock token. */
  async function fetchNew() {
    const jobId = `job-${++added}`;
    const data: JobData = {
      model: 'm',
      prompt: 'hello',
      maxTokens: 8,
      temperature: 0,
      priority: 'standard',
      submittedAt: Date.now(),
    };
    await queue.add('completion', data, { jobId, priority: BULL_PRIORITY.standard });
    const token = randomUUID();
    const job = await fetcher.getNextJob(token, { block: false });
    assert.equal(job?.id, jobId);
    return { job: job!, token };
  }

  function runnerFor(jobId: string, lockToken: string): JobRunner {
    const command: Extract<WorkerCommand, { type: 'run' }> = {
      type: 'run',
      jobId,
      lockToken,
      model: 'm',
      priority: 'standard',
      dispatchedAt: Date.now(),
    };
    const ctx = {
      workerId: 'w1',
      redis,
      keys,
      queue,
      engine: untouchable,
      lockMs: 30_000,
      promptChunkTokens: 64,
      checkpointEveryTokens: 16,
      kvStates: new KvStateStore(join(tmpdir(), 'sy-job-runner-spec'), 0),
    };
    return new JobRunner(ctx, command);
  }

  it('a copy of the run of a completed job is refused by its lock token and changes nothing', async () => {
    const { job, token } = await fetchNew();
    const result = { text: 'done' } as JobResult;
    await job.moveToCompleted(result, token, false);
    const before = await redis.hgetall(`${job.queueQualifiedName}:${job.id}`);

    assert.equal(await runnerFor(job.id!, token).run(), 'lost');
    assert.equal(await queue.getJobState(job.id!), 'completed');
    assert.deepEqual(await redis.hgetall(`${job.queueQualifiedName}:${job.id}`), before);
  });

  it("a copy of a run whose job was handed back and fetched again leaves the new holder's lock alone", async () => {
    const { job, token: old } = await fetchNew();
    await job.moveToWait(old);
    const current = randomUUID();
    const again = await fetcher.getNextJob(current, { block: false });
    assert.equal(again?.id, job.id);
    const key = `${job.queueQualifiedName}:${job.id}`;
    const before = await redis.hgetall(key);

    assert.equal(await runnerFor(job.id!, old).run(), 'lost');
    assert.equal(await queue.getJobState(job.id!), 'active');
    assert.equal(await redis.get(`${key}:lock`), current);
    assert.deepEqual(await redis.hgetall(key), before);
  });
});
