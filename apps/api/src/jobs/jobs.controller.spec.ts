import 'reflect-metadata';
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import request from 'supertest';
import {
  CANCELLED_REASON,
  JOBS_QUEUE,
  type JobData,
  type JobProgress,
  type JobResult,
  type SchedulerCommand,
} from '#switchyard/contracts';
import { createRedisConnection, JobStream, MessageStream } from '#switchyard/fleet';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';
import { PromptTokenCounter } from '#switchyard/engine';
import { readModelInfo } from '#switchyard/gguf';
import { join } from 'node:path';

interface ParsedEvent {
  event?: string;
  id?: string;
  data: unknown;
}

function parseEvents(text: string): ParsedEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const event: ParsedEvent = { data: undefined };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'event') event.event = value;
        if (field === 'id') event.id = value;
        if (field === 'data') event.data = JSON.parse(value);
      }
      return event;
    });
}

function timings(): JobResult['timings'] {
  return {
    queueWaitMs: 5,
    loadMs: 0,
    prefillMs: 1,
    timeToFirstTokenMs: 7,
    decodeMs: 3,
    decodeTokensPerSecond: 1000,
    totalMs: 10,
  };
}

describe('JobsController', () => {
  let ctx: ApiTestContext;
  let worker: Worker<JobData, JobResult>;
  let workerConnection: Redis;
  const http = () => request(ctx.app.getHttpServer());

  /** Takes the next job as the scheduler does, and checks it is `id`. */
  async function takeJob(id: string, token: string) {
    const job = await worker.getNextJob(token, { block: false });
    assert.equal(job?.id, id);
    return job!;
  }

  async function submit(body: object): Promise<string> {
    const response = await http().post('/v1/jobs').send(body).expect(202);
    return response.body.id as string;
  }

  before(async () => {
    ctx = await startApiTestContext();
    workerConnection = createRedisConnection(ctx.env.REDIS_URL, 'switchyard-api-test-worker');
    // Takes jobs the way the scheduler does (manual fetching), without processing them.
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

  it('queues a valid request at its class priority (202)', async () => {
    const response = await http()
      .post('/v1/jobs')
      .set('x-request-id', 'req-42')
      .send({ model: 'tiny', prompt: 'hello', priority: 'batch', stop: 'END' })
      .expect(202);
    const { id } = response.body;
    assert.deepEqual(response.body, {
      id,
      state: 'queued',
      model: 'tiny',
      priority: 'batch',
      links: { self: `/v1/jobs/${id}`, events: `/v1/jobs/${id}/events` },
    });
    assert.equal(response.headers['x-request-id'], 'req-42');
    const job = await ctx.queue.getJob(id);
    assert.ok(job);
    // Bull Board lists jobs by name: model and class.
    assert.equal(job.name, 'tiny · batch');
    assert.equal(job.opts.priority, 300);
    assert.equal(job.opts.attempts, 1);
    assert.deepEqual(job.opts.removeOnComplete, { age: 86400 });
    assert.deepEqual(job.opts.removeOnFail, { age: 86400 });
    assert.equal(await job.getState(), 'prioritized');
    assert.equal(job.data.maxTokens, 128);
    assert.equal(job.data.temperature, 0.8);
    assert.deepEqual(job.data.stop, ['END']);
    assert.equal(job.data.requestId, 'req-42');
    assert.ok(Math.abs(job.data.submittedAt - Date.now()) < 5000);
  });

  it('answers 400 naming every bad field and enqueues nothing', async () => {
    const before = await ctx.queue.count();
    const response = await http()
      .post('/v1/jobs')
      .send({
        model: 'tiny',
        messages: [{ role: 'robot', content: 'x' }],
        max_tokens: 5000,
        temperature: 9,
        extra: true,
      })
      .expect(400);
    assert.equal(response.body.statusCode, 400);
    assert.equal(response.body.error, 'Bad Request');
    assert.equal(response.body.message, 'invalid request body');
    const fields = (response.body.errors as { field: string }[]).map((e) => e.field).sort();
    assert.deepEqual(fields, ['extra', 'max_tokens', 'messages[0].role', 'temperature']);
    assert.equal(await ctx.queue.count(), before);
  });

  it('answers 400 for a prompt that certainly cannot fit the context, enqueueing nothing', async () => {
    const { maxTokenBytes } = await readModelInfo(join(ctx.modelsDir, 'tiny.gguf'));
    assert.ok(maxTokenBytes! > 0);
    const before = await ctx.queue.getJobCounts('waiting', 'prioritized');
    const prompt = 'x'.repeat(10_000);
    const atLeast = Math.ceil(10_000 / maxTokenBytes!);
    const response = await http()
      .post('/v1/jobs')
      .send({ model: 'tiny', prompt, max_tokens: 8 })
      .expect(400);
    assert.deepEqual(response.body.errors, [
      {
        field: 'prompt',
        messages: [
          `prompt is at least ${atLeast} tokens of model "tiny"; with max_tokens 8 it cannot fit the 256-token context`,
        ],
      },
    ]);
    const chat = await http()
      .post('/v1/jobs')
      .send({ model: 'tiny', messages: [{ role: 'user', content: prompt }], max_tokens: 8 })
      .expect(400);
    assert.equal(chat.body.errors[0].field, 'messages');
    assert.deepEqual(await ctx.queue.getJobCounts('waiting', 'prioritized'), before);
    await http()
      .post('/v1/jobs')
      .send({ model: 'tiny', prompt: 'x'.repeat(100), max_tokens: 8 })
      .expect(202);
  });

  it("counts the tokens of a prompt near the limit with the model's own tokenizer", async () => {
    const path = join(ctx.modelsDir, 'tiny.gguf');
    const counter = new PromptTokenCounter();
    const before = await ctx.queue.getJobCounts('waiting', 'prioritized');
    try {
      // Exactly the 248 tokens left beside max_tokens 8 fits; one more byte is one token too many.
      const fitting = 'y'.repeat(248 - ((await counter.count(path, 'y')) - 1));
      assert.equal(await counter.count(path, fitting), 248);
      await http()
        .post('/v1/jobs')
        .send({ model: 'tiny', prompt: fitting, max_tokens: 8 })
        .expect(202);
      const over = await http()
        .post('/v1/jobs')
        .send({ model: 'tiny', prompt: `${fitting}y`, max_tokens: 8 })
        .expect(400);
      assert.deepEqual(over.body.errors, [
        {
          field: 'prompt',
          messages: [
            'prompt is 249 tokens of model "tiny"; with max_tokens 8 it cannot fit the 256-token context',
          ],
        },
      ]);
      // The chat template's own text counts: content that fits by itself does not once rendered.
      const messages = [{ role: 'user' as const, content: 'z'.repeat(240) }];
      const rendered = await counter.count(path, messages);
      assert.ok(rendered > 248, `the template should add tokens (${rendered})`);
      const chat = await http()
        .post('/v1/jobs')
        .send({ model: 'tiny', messages, max_tokens: 8 })
        .expect(400);
      assert.deepEqual(chat.body.errors, [
        {
          field: 'messages',
          messages: [
            `messages (with the chat template) is ${rendered} tokens of model "tiny"; with max_tokens 8 it cannot fit the 256-token context`,
          ],
        },
      ]);
      const after = await ctx.queue.getJobCounts('waiting', 'prioritized');
      assert.equal(after.waiting + after.prioritized, before.waiting + before.prioritized + 1);
    } finally {
      await counter.close();
    }
  });

  it('answers 404 for an unknown model, naming the available ones', async () => {
    const before = await ctx.queue.count();
    const response = await http().post('/v1/jobs').send({ model: 'nope', prompt: 'x' }).expect(404);
    assert.equal(response.body.message, 'model "nope" not found; available models: tiny');
    assert.equal(await ctx.queue.count(), before);
  });

  it('finds a model added after start-up', async () => {
    await ctx.addModel('late');
    const id = await submit({ model: 'late', prompt: 'x' });
    await (await ctx.queue.getJob(id))!.remove();
  });

  it('answers 400 for a malformed JSON body', async () => {
    const response = await http()
      .post('/v1/jobs')
      .set('content-type', 'application/json')
      .send('{"model": "tiny",')
      .expect(400);
    assert.match(response.body.message, /^malformed JSON body: /);
  });

  it('shows a queued job, cancels it (200) and still answers for it', async () => {
    const id = await submit({ model: 'tiny', prompt: 'hello', priority: 'batch' });
    const view = (await http().get(`/v1/jobs/${id}`).expect(200)).body;
    assert.equal(view.state, 'queued');
    assert.equal(view.phase, 'queued');
    assert.equal(view.priority, 'batch');
    assert.equal(view.output, null);
    assert.equal(view.worker, null);

    const cancelled = (await http().delete(`/v1/jobs/${id}`).expect(200)).body;
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.finish_reason, 'cancelled');
    assert.equal(await ctx.queue.getJob(id), undefined);
    assert.equal((await http().get(`/v1/jobs/${id}`).expect(200)).body.state, 'cancelled');
    const stream = await ctx.redis.xrange(ctx.keys.jobStream(id), '-', '+');
    assert.match(stream.at(-1)![1][1], /"type":"end","state":"cancelled"/);

    const again = await http().delete(`/v1/jobs/${id}`).expect(409);
    assert.equal(again.body.message, `job "${id}" already finished (cancelled)`);
    const events = parseEvents((await http().get(`/v1/jobs/${id}/events`).expect(200)).text);
    assert.deepEqual(
      events.map((e) => e.event),
      ['end'],
    );
  });

  it('answers 404 for an unknown job', async () => {
    const response = await http().delete('/v1/jobs/unknown-id').expect(404);
    assert.equal(response.body.message, 'job "unknown-id" not found');
    await http().get('/v1/jobs/unknown-id').expect(404);
    await http().get('/v1/jobs/unknown-id/events').expect(404);
  });

  it('streams a running job live, asks the scheduler to cancel it (202), then shows it cancelled', async () => {
    const id = await submit({ model: 'tiny', prompt: 'hello', priority: 'interactive' });
    const job = await takeJob(id, 'token-1');
    // In the scheduler's look-ahead window, without progress: still queued.
    assert.equal((await http().get(`/v1/jobs/${id}`)).body.state, 'queued');

    const progress: JobProgress = {
      phase: 'decoding',
      workerId: 'w1',
      gpuLayers: 2,
      completionTokens: 2,
      text: 'ab',
      updatedAt: Date.now(),
    };
    await job.updateProgress(progress);
    const running = (await http().get(`/v1/jobs/${id}`)).body;
    assert.equal(running.state, 'running');
    assert.equal(running.phase, 'decoding');
    assert.equal(running.worker, 'w1');
    assert.equal(running.gpuLayers, 2);
    assert.equal(running.output, 'ab');
    assert.deepEqual(running.usage, {
      prompt_tokens: null,
      completion_tokens: 2,
      total_tokens: null,
    });
    assert.equal(typeof running.startedAt, 'number');

    const stream = new JobStream(ctx.redis, ctx.keys, id);
    await stream.send({ type: 'phase', phase: 'decoding', workerId: 'w1', at: Date.now() });
    await stream.send({ type: 'token', text: 'a', completionTokens: 1 });
    const events = http().get(`/v1/jobs/${id}/events`).expect(200);
    const eventsDone = events.then((response) => response);
    await sleep(300);
    await stream.send({ type: 'token', text: 'b', completionTokens: 2 });

    const cancel = await http().delete(`/v1/jobs/${id}`).expect(202);
    assert.deepEqual(cancel.body, { id, state: 'cancelling' });
    assert.equal(await ctx.redis.get(ctx.keys.cancelRequest(id)), '1');
    const commands = await new MessageStream<SchedulerCommand>(
      ctx.redis,
      ctx.keys.schedulerCommands(),
    ).read(ctx.redis, '0', 1);
    assert.equal(commands.length, 1);
    assert.equal(commands[0].message.type, 'cancel');
    assert.equal(commands[0].message.jobId, id);

    // What the worker does on cancel: partial result in progress, failed with CANCELLED_REASON.
    const partial: JobResult = {
      text: 'ab',
      finishReason: 'cancelled',
      usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
      timings: timings(),
      workerId: 'w1',
      gpuLayers: 2,
      resumes: 0,
      resumedFromToken: 0,
      preemptions: [],
    };
    await job.updateProgress({ ...progress, phase: 'cancelled', result: partial });
    await job.moveToFailed(new Error(CANCELLED_REASON), 'token-1');
    await stream.end('cancelled');

    const response = await eventsDone;
    assert.match(response.headers['content-type'], /^text\/event-stream/);
    const received = parseEvents(response.text);
    assert.deepEqual(
      received.map((e) => e.event),
      ['phase', 'token', 'token', 'end'],
    );
    assert.equal((received[0].data as { phase: string }).phase, 'decoding');
    assert.equal((received[0].data as { worker: string }).worker, 'w1');
    assert.deepEqual(received[2].data, { text: 'b', completion_tokens: 2 });
    assert.ok(received[2].id);
    const end = received[3].data as { state: string; output: string };
    assert.equal(end.state, 'cancelled');
    assert.equal(end.output, 'ab');

    const view = (await http().get(`/v1/jobs/${id}`).expect(200)).body;
    assert.equal(view.state, 'cancelled');
    assert.equal(view.output, 'ab');
    assert.equal(view.finish_reason, 'cancelled');
    assert.deepEqual(view.usage, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
    assert.equal(view.error, null);
    await http().delete(`/v1/jobs/${id}`).expect(409);
  });

  it('ends the events of a finished job whose stream is gone, with its result', async () => {
    const id = await submit({ model: 'tiny', prompt: 'hello', priority: 'interactive' });
    const job = await takeJob(id, 'token-2');
    const result: JobResult = {
      text: 'done',
      finishReason: 'length',
      usage: { promptTokens: 2, completionTokens: 4, totalTokens: 6 },
      timings: timings(),
      workerId: 'w2',
      gpuLayers: 0,
      resumes: 0,
      resumedFromToken: 0,
      preemptions: [],
    };
    await job.moveToCompleted(result, 'token-2', false);

    const view = (await http().get(`/v1/jobs/${id}`).expect(200)).body;
    assert.equal(view.state, 'completed');
    assert.equal(view.output, 'done');
    assert.equal(view.finish_reason, 'length');
    assert.equal(view.worker, 'w2');
    assert.equal(view.startedAt, view.submittedAt + 5);
    assert.equal(typeof view.finishedAt, 'number');
    assert.deepEqual(view.timings, timings());
    assert.equal(view.resumes, 0);

    const started = Date.now();
    const events = parseEvents((await http().get(`/v1/jobs/${id}/events`).expect(200)).text);
    assert.ok(Date.now() - started < 1000, 'a finished job ends at once');
    assert.deepEqual(
      events.map((e) => e.event),
      ['end'],
    );
    assert.equal((events[0].data as { state: string }).state, 'completed');
    await http().delete(`/v1/jobs/${id}`).expect(409);
  });

  it('closes the blocking Redis connection when the client goes away', async () => {
    const id = await submit({ model: 'tiny', prompt: 'hello', priority: 'interactive' });
    const server = ctx.app.getHttpServer();
    if (!server.listening) await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    const openStreams = async () =>
      ((await ctx.redis.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes('name=switchyard-api-events')).length;
    const baseline = await openStreams();
    const client = httpGet(`http://127.0.0.1:${port}/v1/jobs/${id}/events`);
    client.on('error', () => undefined);
    await new Promise((done) => client.on('response', done));
    await sleep(200);
    assert.equal(await openStreams(), baseline + 1);
    client.destroy();
    const deadline = Date.now() + 2000;
    while ((await openStreams()) > baseline && Date.now() < deadline) await sleep(50);
    assert.equal(await openStreams(), baseline);
  });
});
