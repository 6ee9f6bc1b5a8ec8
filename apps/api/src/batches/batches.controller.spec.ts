import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import request from 'supertest';
import {
  batchJobId,
  JOBS_QUEUE,
  type BatchJobData,
  type JobData,
  type JobResult,
} from '#switchyard/contracts';
import { createRedisConnection } from '#switchyard/fleet';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';
import type { BatchDto } from './dto/batch-object.dto.js';

const RESULT: JobResult = {
  text: ' out',
  finishReason: 'length',
  usage: { promptTokens: 5, completionTokens: 2, totalTokens: 7 },
  timings: {
    queueWaitMs: 1,
    loadMs: 0,
    prefillMs: 1,
    timeToFirstTokenMs: 2,
    decodeMs: 1,
    decodeTokensPerSecond: 1000,
    totalMs: 3,
  },
  workerId: 'w1',
  gpuLayers: 0,
  resumes: 0,
  resumedFromToken: 0,
  preemptions: [],
};

function chatLine(customId: string, content = 'hello'): string {
  return JSON.stringify({
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'tiny', messages: [{ role: 'user', content }], max_tokens: 2 },
  });
}

// The batch api and its tracker against a real Redis; jobs are taken and finished by hand, as
// the scheduler and a worker would.
describe('BatchesController', () => {
  let ctx: ApiTestContext;
  let worker: Worker<JobData, JobResult>;
  let workerConnection: Redis;
  const http = () => request(ctx.app.getHttpServer());

  before(async () => {
    ctx = await startApiTestContext(['tiny']);
    workerConnection = createRedisConnection(ctx.env.REDIS_URL, 'switchyard-api-test-worker');
    worker = new Worker<JobData, JobResult>(JOBS_QUEUE, null, {
      connection: workerConnection,
      prefix: ctx.env.SWITCHYARD_PREFIX,
      autorun: false,
    });
  });

  after(async () => {
    await worker.close();
    await workerConnection.quit();
    await ctx.close();
  });

  async function upload(lines: string[]): Promise<string> {
    const response = await http()
      .post('/v1/files')
      .field('purpose', 'batch')
      .attach('file', Buffer.from(lines.join('\n')), 'in.jsonl')
      .expect(200);
    return response.body.id as string;
  }

  async function createBatch(lines: string[]): Promise<BatchDto> {
    const response = await http()
      .post('/v1/batches')
      .send({
        input_file_id: await upload(lines),
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      })
      .expect(200);
    return response.body as BatchDto;
  }

  async function batch(id: string): Promise<BatchDto> {
    return (await http().get(`/v1/batches/${id}`).expect(200)).body as BatchDto;
  }

  async function waitForStatus(id: string, status: string, timeoutMs = 20_000): Promise<BatchDto> {
    const deadline = Date.now() + timeoutMs;
    let last = await batch(id);
    while (last.status !== status) {
      if (Date.now() > deadline)
        assert.fail(`batch ${id} never ${status}: ${JSON.stringify(last)}`);
      await sleep(50);
      last = await batch(id);
    }
    return last;
  }

  /** A file's lines, parsed (loosely typed: the tests read what they assert). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async function lines(fileId: string): Promise<Record<string, any>[]> {
    const response = await http().get(`/v1/files/${fileId}/content`).buffer(true).expect(200);
    return response.body
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((line: string) => JSON.parse(line));
  }

  it('creates batch-class jobs, counts them as they end and writes the output and error files', async () => {
    const created = await createBatch([chatLine('a'), chatLine('b'), 'oops', chatLine('c')]);
    assert.equal(created.status, 'validating');
    const running = await waitForStatus(created.id, 'in_progress');
    assert.deepEqual(running.request_counts, { total: 4, completed: 0, failed: 1 });

    const job = await ctx.queue.getJob(batchJobId(created.id, 4));
    assert.ok(job);
    assert.equal(job.opts.priority, 300);
    const data = job.data as BatchJobData;
    assert.equal(data.priority, 'batch');
    assert.deepEqual(data.batch, { batchId: created.id, line: 4, customId: 'c' });
    assert.equal(data.deadline, created.expires_at * 1000);
    assert.deepEqual(data.messages, [{ role: 'user', content: 'hello' }]);
    assert.equal(await ctx.queue.getJob(batchJobId(created.id, 3)), undefined);

    for (let i = 0; i < 3; i++) {
      const taken = await worker.getNextJob(`token-${i}`, { block: false });
      assert.ok(taken);
      if (taken.id === batchJobId(created.id, 2)) {
        await taken.moveToFailed(new Error('out of memory'), `token-${i}`, false);
      } else {
        await taken.moveToCompleted(RESULT, `token-${i}`, false);
      }
    }
    const done = await waitForStatus(created.id, 'completed');
    assert.deepEqual(done.request_counts, { total: 4, completed: 2, failed: 2 });

    const output = await lines(done.output_file_id!);
    assert.deepEqual(output.map((line) => line.custom_id).sort(), ['a', 'c']);
    const answer = output.find((line) => line.custom_id === 'a')!;
    assert.equal(answer.id, `batch_req_${created.id.slice(6)}_1`);
    assert.equal(answer.response.status_code, 200);
    assert.equal(answer.response.request_id, batchJobId(created.id, 1));
    assert.equal(answer.response.body.object, 'chat.completion');
    assert.equal(answer.response.body.choices[0].message.content, ' out');
    assert.deepEqual(answer.response.body.usage, {
      prompt_tokens: 5,
      completion_tokens: 2,
      total_tokens: 7,
    });
    const errors = await lines(done.error_file_id!);
    const failed = errors.find((line) => line.custom_id === 'b')!;
    assert.equal(failed.response.status_code, 500);
    assert.match(failed.response.body.error.message, /out of memory/);
    const bad = errors.find((line) => line.custom_id === null)!;
    assert.equal(bad.error.line, 3);
    assert.equal(bad.error.code, 'invalid_json');
  });

  it('resumes an interrupted creation without adding a job twice, and cancels the queued jobs', async () => {
    const count = 1200;
    const before = await ctx.queue.count();
    const created = await createBatch(Array.from({ length: count }, (_, i) => chatLine(`r${i}`)));
    await waitForStatus(created.id, 'in_progress');
    assert.equal(await ctx.queue.count(), before + count);

    // As if the creator had died after its first chunk: it is resumed from there.
    await ctx.redis.hset(ctx.keys.batch(created.id), { status: 'validating', enqueued: 500 });
    await waitForStatus(created.id, 'in_progress');
    assert.equal(await ctx.queue.count(), before + count);
    assert.equal(await ctx.redis.hlen(ctx.keys.batchLines(created.id)), count);

    const cancelling = (await http().post(`/v1/batches/${created.id}/cancel`).expect(200)).body;
    assert.equal(cancelling.status, 'cancelling');
    const cancelled = await waitForStatus(created.id, 'cancelled');
    assert.equal(cancelled.output_file_id, null);
    assert.equal(await ctx.queue.count(), before);
    const errors = await lines(cancelled.error_file_id!);
    assert.equal(errors.length, count);
    assert.ok(errors.every((line) => line.error.code === 'batch_cancelled'));
    const again = await http().post(`/v1/batches/${created.id}/cancel`).expect(200);
    assert.equal(again.body.status, 'cancelled');
  });

  it('expires a batch whose completion window has passed', async () => {
    const created = await createBatch([chatLine('x'), chatLine('y')]);
    await waitForStatus(created.id, 'in_progress');
    const taken = await worker.getNextJob('token-x', { block: false });
    await taken!.moveToCompleted(RESULT, 'token-x', false);
    await ctx.redis.hset(
      ctx.keys.batch(created.id),
      'expires_at',
      Math.floor(Date.now() / 1000) - 1,
    );
    const expired = await waitForStatus(created.id, 'expired');
    assert.ok(expired.expired_at);
    assert.ok(expired.finalizing_at);
    assert.equal((await lines(expired.output_file_id!)).length, 1);
    const [unrun] = await lines(expired.error_file_id!);
    assert.equal(unrun.error.code, 'batch_expired');
    const completed = await http().post(`/v1/batches/${created.id}/cancel`).expect(409);
    assert.match(completed.body.error.message, /status expired/);
  });

  it('answers bad create requests with 4xx OpenAI errors', async () => {
    const fileId = await upload([chatLine('z')]);
    const body = {
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...body, input_file_id: undefined }, 400, 'input_file_id'],
      [{ ...body, input_file_id: 'file-unknown' }, 404, 'input_file_id'],
      [{ ...body, endpoint: '/v1/responses' }, 400, 'endpoint'],
      [{ ...body, completion_window: '8d' }, 400, 'completion_window'],
      [{ ...body, metadata: { a: 1 } }, 400, 'metadata'],
      [{ ...body, extra: true }, 400, 'extra'],
    ];
    const before = await ctx.redis.zcard(ctx.keys.batches());
    for (const [payload, status, param] of cases) {
      const response = await http().post('/v1/batches').send(payload).expect(status);
      assert.equal(response.body.error.param, param, JSON.stringify(payload));
    }
    assert.equal(await ctx.redis.zcard(ctx.keys.batches()), before);
    await http().get('/v1/batches?limit=0').expect(400);
    await http().get('/v1/batches/batch_unknown').expect(404);
  });
});
