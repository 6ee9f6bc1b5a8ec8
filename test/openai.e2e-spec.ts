import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

// The official OpenAI client against real api, scheduler and worker processes.
describe('OpenAI-compatible api end to end', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let filesDir: string;
  let fleet: FleetHarness;
  let client: OpenAI;

  before(async () => {
    models = await makeTestModels();
    filesDir = mkdtempSync(join(tmpdir(), 'switchyard-files-'));
    fleet = await new FleetHarness({ modelsDir: models.dir, env: { FILES_DIR: filesDir } }).start();
    client = new OpenAI({ apiKey: 'unused', baseURL: `${fleet.baseUrl}/v1`, maxRetries: 0 });
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
    rmSync(filesDir, { recursive: true, force: true });
  });

  /** The native view of the job behind an OpenAI answer. */
  async function jobOf(headers: Headers) {
    const id = headers.get('x-switchyard-job-id');
    assert.ok(id, 'the answer names its job');
    return fleet.job(id);
  }

  test('a chat completion, as an interactive job', async () => {
    const { data: completion, response } = await client.chat.completions
      .create({
        model: 'synth-5m',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Hello there' }] },
        ],
        max_tokens: 16,
        seed: 1,
        user: 'tester',
      })
      .withResponse();
    assert.equal(completion.object, 'chat.completion');
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.model, 'synth-5m');
    assert.ok(Math.abs(completion.created - Date.now() / 1000) < 60);
    assert.equal(completion.choices.length, 1);
    const [choice] = completion.choices;
    assert.equal(choice.index, 0);
    assert.equal(choice.message.role, 'assistant');
    assert.ok((choice.message.content ?? '').length > 0);
    assert.equal(choice.finish_reason, 'length');
    assert.equal(completion.usage?.completion_tokens, 16);
    assert.ok((completion.usage?.prompt_tokens ?? 0) > 0);
    assert.equal(
      completion.usage?.total_tokens,
      completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
    );
    assert.ok(response.headers.get('x-request-id'));
    const job = await jobOf(response.headers);
    assert.equal(job.state, 'completed');
    assert.equal((job as unknown as { priority: string }).priority, 'interactive');
    assert.equal(job.output, choice.message.content);
  });

  test('a streamed chat completion: the stream helper yields the text and the final usage', async () => {
    const stream = client.chat.completions.stream({
      model: 'synth-5m',
      messages: [{ role: 'user', content: 'Stream to me' }],
      max_tokens: 24,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on('content', (delta) => deltas.push(delta));
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    stream.on('chunk', (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();
    assert.ok(deltas.length > 1, 'several content deltas');
    assert.equal(final.choices[0].message.content, deltas.join(''));
    assert.equal(final.choices[0].finish_reason, 'length');
    assert.equal(final.usage?.completion_tokens, 24);
    assert.ok((final.usage?.prompt_tokens ?? 0) > 0);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, [], 'the usage chunk has no choices');
    assert.equal(last.usage?.completion_tokens, 24);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  });

  test('a text completion, plain and streamed', async () => {
    const completion = await client.completions.create({
      model: 'synth-tiny',
      prompt: 'Once upon a time',
      max_tokens: 12,
      temperature: 0,
    });
    assert.equal(completion.object, 'text_completion');
    assert.match(completion.id, /^cmpl-/);
    assert.equal(completion.choices[0].finish_reason, 'length');
    assert.ok(completion.choices[0].text.length > 0);
    assert.equal(completion.usage?.completion_tokens, 12);

    const stream = await client.completions.create({
      model: 'synth-tiny',
      prompt: 'Once upon a time',
      max_tokens: 12,
      temperature: 0,
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, 'length');
    assert.equal(text, completion.choices[0].text, 'temperature 0: the same text both ways');
  });

  test('models.list() and models.retrieve()', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids.sort(), ['synth-5m', 'synth-tiny']);
    const model = await client.models.retrieve('synth-5m');
    assert.equal(model.id, 'synth-5m');
    assert.equal(model.object, 'model');
    assert.equal(model.owned_by, 'switchyard');
    await assert.rejects(client.models.retrieve('nope'), (error: unknown) => {
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.code, 'model_not_found');
      return true;
    });
  });

  test('errors come as the typed errors of the SDK, in OpenAI error bodies', async () => {
    const before = await fleet.redis.zcard(`${fleet.prefix}:jobs:prioritized`);
    await assert.rejects(
      client.chat.completions.create({
        model: 'nope',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof NotFoundError, String(error));
        assert.equal(error.status, 404);
        assert.equal(error.type, 'invalid_request_error');
        assert.equal(error.param, 'model');
        assert.equal(error.code, 'model_not_found');
        assert.match(error.message, /available models: synth-5m, synth-tiny/);
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'synth-5m',
        messages: [{ role: 'user', content: 'x' }],
        temperature: 5,
      }),
      (error: unknown) => {
        assert.ok(error instanceof BadRequestError, String(error));
        assert.equal(error.param, 'temperature');
        assert.match(error.message, /temperature must not be greater than 2/);
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'synth-5m',
        messages: [{ role: 'user', content: 'x' }],
        // @ts-expect-error an argument OpenAI does not know either
        colour: 'blue',
      }),
      (error: unknown) => {
        assert.ok(error instanceof BadRequestError);
        assert.equal(error.code, 'unknown_parameter');
        assert.match(error.message, /Unrecognized request argument supplied: colour/);
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'synth-5m',
        messages: [{ role: 'user', content: 'x' }],
        n: 2,
      }),
      (error: unknown) => error instanceof BadRequestError && error.param === 'n',
    );
    const malformed = await fetch(`${fleet.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "synth-5m",',
    });
    assert.equal(malformed.status, 400);
    const body = (await malformed.json()) as { error: Record<string, unknown> };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(String(body.error.message), /malformed JSON body/);
    assert.equal(await fleet.redis.zcard(`${fleet.prefix}:jobs:prioritized`), before);
  });

  test('the class comes from the priority field or the x-switchyard-priority header', async () => {
    const viaHeader = await client.completions
      .create(
        { model: 'synth-tiny', prompt: 'x', max_tokens: 2 },
        { headers: { 'x-switchyard-priority': 'batch' } },
      )
      .withResponse();
    assert.equal(
      ((await jobOf(viaHeader.response.headers)) as unknown as { priority: string }).priority,
      'batch',
    );
    const viaBody = await client.completions
      // @ts-expect-error Switchyard's extra body field
      .create({ model: 'synth-tiny', prompt: 'x', max_tokens: 2, priority: 'standard' })
      .withResponse();
    assert.equal(
      ((await jobOf(viaBody.response.headers)) as unknown as { priority: string }).priority,
      'standard',
    );
    await assert.rejects(
      client.completions.create(
        { model: 'synth-tiny', prompt: 'x', max_tokens: 2 },
        { headers: { 'x-switchyard-priority': 'urgent' } },
      ),
      (error: unknown) =>
        error instanceof BadRequestError && error.param === 'x-switchyard-priority',
    );
  });

  test('a client that disconnects cancels its job', async () => {
    const abort = new AbortController();
    const response = await fetch(`${fleet.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'synth-5m',
        messages: [{ role: 'user', content: 'a long answer please' }],
        max_tokens: 1800,
        stream: true,
      }),
      signal: abort.signal,
    });
    assert.equal(response.status, 200);
    const jobId = response.headers.get('x-switchyard-job-id')!;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!/"content":"[^"]/.test(text)) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended before any content');
      text += decoder.decode(value);
    }
    abort.abort();
    const job = await fleet.waitForFinished(jobId);
    assert.equal(job.state, 'cancelled');
    assert.ok((job.usage?.completion_tokens ?? 0) < 1800);
  });

  test('native POST /v1/jobs/batch answers per item and enqueues the valid ones', async () => {
    const { status, body } = await fleet.request<{
      accepted: number;
      refused: number;
      items: { index: number; id?: string; error?: { statusCode: number; errors?: unknown[] } }[];
    }>('POST', '/v1/jobs/batch', {
      jobs: [
        { model: 'synth-tiny', prompt: 'one', max_tokens: 3 },
        { model: 'synth-tiny', prompt: 'two', max_tokens: 0 },
        { model: 'nope', prompt: 'three' },
        { model: 'synth-tiny', messages: [{ role: 'user', content: 'four' }], max_tokens: 3 },
      ],
    });
    assert.equal(status, 202);
    assert.equal(body.accepted, 2);
    assert.equal(body.refused, 2);
    assert.deepEqual(
      body.items.map((item) => item.index),
      [0, 1, 2, 3],
    );
    assert.equal(body.items[1].error?.statusCode, 400);
    assert.equal(body.items[2].error?.statusCode, 404);
    for (const item of [body.items[0], body.items[3]]) {
      const job = await fleet.waitForFinished(item.id!);
      assert.equal(job.state, 'completed');
      assert.equal(job.usage?.completion_tokens, 3);
    }
    const bad = await fleet.request('POST', '/v1/jobs/batch', { jobs: [] });
    assert.equal(bad.status, 400);
  });
});
