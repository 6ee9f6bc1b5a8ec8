import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import {
  chatLine,
  chatLines,
  readOutput,
  uploadLines,
  waitForBatch,
} from './support/batch-files.js';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

// OpenAI's Batch API through the official client, on real api, scheduler and worker processes.
describe('batches end to end', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let filesDir: string;
  let fleet: FleetHarness;
  let client: OpenAI;

  before(async () => {
    models = await makeTestModels();
    filesDir = mkdtempSync(join(tmpdir(), 'switchyard-files-'));
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      // A short tracker lease, so a restarted api takes over batches within seconds.
      env: { FILES_DIR: filesDir, BATCH_TRACKER_LEASE_MS: '2000' },
      workerEnv: { WORKER_SLOTS: '4', WORKER_MAX_JOBS: '4' },
    }).start();
    client = new OpenAI({ apiKey: 'unused', baseURL: `${fleet.baseUrl}/v1`, maxRetries: 0 });
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
    rmSync(filesDir, { recursive: true, force: true });
  });

  test('a 1,000-line batch runs to completed with one output line per custom_id', async () => {
    const fileId = await uploadLines(client, chatLines(1000, 'synth-5m', 4));
    const file = await client.files.retrieve(fileId);
    assert.equal(file.purpose, 'batch');
    assert.equal(file.filename, 'batch.jsonl');
    const created = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { suite: 'e2e' },
    });
    assert.equal(created.status, 'validating');
    assert.equal(created.object, 'batch');
    assert.deepEqual(created.metadata, { suite: 'e2e' });
    assert.equal(created.expires_at, created.created_at + 24 * 3600);

    const batch = await waitForBatch(client, created.id, 300_000);
    assert.equal(batch.status, 'completed', JSON.stringify(batch));
    assert.deepEqual(batch.request_counts, { total: 1000, completed: 1000, failed: 0 });
    assert.equal(batch.error_file_id, null);
    assert.ok(batch.output_file_id);
    assert.ok(batch.in_progress_at! >= batch.created_at);
    assert.ok(batch.finalizing_at! >= batch.in_progress_at!);
    assert.ok(batch.completed_at! >= batch.finalizing_at!);

    const output = await readOutput(client, batch.output_file_id);
    assert.equal(output.length, 1000);
    const ids = new Set(output.map((line) => line.custom_id));
    for (let i = 1; i <= 1000; i++) assert.ok(ids.has(`req-${i}`), `req-${i} answered`);
    for (const line of output) {
      assert.equal(line.error, null);
      assert.equal(line.response?.status_code, 200);
      const body = line.response!.body as unknown as OpenAI.Chat.ChatCompletion;
      assert.equal(body.object, 'chat.completion');
      assert.equal(body.usage?.completion_tokens, 4);
      assert.equal(body.choices[0].finish_reason, 'length');
    }
    // The batch's requests ran as batch-class jobs with deterministic ids.
    const job = await fleet.job(output[0].response!.request_id);
    assert.match(job.id, new RegExp(`^batch:${batch.id}:\\d+$`));
    assert.equal((job as unknown as { priority: string }).priority, 'batch');
    // Its working files go once it ended: the finalizer marks the batch first and removes its
    // folder just after (a crash in between re-runs the finalizer, which needs the folder).
    const deadline = Date.now() + 10_000;
    while (readdirSync(join(filesDir, 'batches')).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(readdirSync(join(filesDir, 'batches')), []);
  });

  test('bad lines go to the error file with their line numbers; the good lines run', async () => {
    const good = (id: string) =>
      chatLine(id, {
        model: 'synth-tiny',
        messages: [{ role: 'user', content: id }],
        max_tokens: 3,
      });
    const lines = [
      good('good-1'), // line 1
      '{"custom_id": "broken", "method": "POST", ', // 2: not JSON
      chatLine('', { model: 'synth-tiny', messages: [{ role: 'user', content: 'x' }] }), // 3
      good('good-1'), // 4: duplicate custom_id
      chatLine('wrong-url', { model: 'synth-tiny', prompt: 'x' }, '/v1/completions'), // 5
      chatLine('no-messages', { model: 'synth-tiny', max_tokens: 3 }), // 6
      chatLine('no-model', { model: 'nope', messages: [{ role: 'user', content: 'x' }] }), // 7
      '', // 8: blank lines are skipped
      good('good-2'), // 9
      JSON.stringify({ custom_id: 'get', method: 'GET', url: '/v1/chat/completions', body: {} }), // 10
      chatLine('too-hot', {
        model: 'synth-tiny',
        messages: [{ role: 'user', content: 'x' }],
        temperature: 3,
      }), // 11
    ];
    const fileId = await uploadLines(client, lines, 'mixed.jsonl');
    const created = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const batch = await waitForBatch(client, created.id, 60_000);
    assert.equal(batch.status, 'completed', JSON.stringify(batch));
    assert.deepEqual(batch.request_counts, { total: 10, completed: 2, failed: 8 });
    assert.equal(batch.errors, null);

    const output = await readOutput(client, batch.output_file_id!);
    assert.deepEqual(output.map((line) => line.custom_id).sort(), ['good-1', 'good-2']);
    const errors = await readOutput(client, batch.error_file_id!);
    const byLine = new Map(errors.map((line) => [line.error!.line, line]));
    assert.deepEqual(
      [...byLine.keys()].sort((a, b) => a - b),
      [2, 3, 4, 5, 6, 7, 10, 11],
    );
    const expected: Record<number, [string, RegExp]> = {
      2: ['invalid_json', /not valid JSON/],
      3: ['missing_custom_id', /custom_id/],
      4: ['duplicate_custom_id', /used already on line 1/],
      5: ['invalid_url', /url must be "\/v1\/chat\/completions"/],
      6: ['invalid_body', /messages/],
      7: ['model_not_found', /model "nope" not found/],
      10: ['invalid_method', /method must be "POST"/],
      11: ['invalid_body', /temperature/],
    };
    for (const [line, [code, message]] of Object.entries(expected)) {
      const entry = byLine.get(Number(line))!;
      assert.equal(entry.error!.code, code, `line ${line}`);
      assert.match(entry.error!.message, message, `line ${line}`);
      assert.match(entry.error!.message, new RegExp(`^line ${line}`));
      assert.equal(entry.response, null);
    }
    assert.equal(byLine.get(4)!.custom_id, 'good-1');
    assert.equal(byLine.get(2)!.custom_id, null);
  });

  test('a file with no usable line fails the batch at validation, with nothing enqueued', async () => {
    const before = await fleet.redis.zcard(`${fleet.prefix}:jobs:prioritized`);
    const fileId = await uploadLines(client, ['not json', '{"custom_id": 1}']);
    const created = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const batch = await waitForBatch(client, created.id, 30_000);
    assert.equal(batch.status, 'failed');
    assert.ok(batch.failed_at);
    assert.deepEqual(
      batch.errors?.data?.map((e) => [e.line, e.code]),
      [
        [1, 'invalid_json'],
        [2, 'missing_custom_id'],
      ],
    );
    assert.equal(await fleet.redis.zcard(`${fleet.prefix}:jobs:prioritized`), before);
  });

  test('bad requests to the files and batches endpoints are 4xx in OpenAI error bodies', async () => {
    await assert.rejects(
      client.batches.create({
        input_file_id: 'file-nope',
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      }),
      (error: unknown) => error instanceof NotFoundError && error.param === 'input_file_id',
    );
    const fileId = await uploadLines(client, chatLines(1, 'synth-tiny', 1));
    await assert.rejects(
      client.batches.create({
        input_file_id: fileId,
        endpoint: '/v1/embeddings',
        completion_window: '24h',
      }),
      (error: unknown) => error instanceof BadRequestError && error.param === 'endpoint',
    );
    await assert.rejects(
      client.batches.create({
        input_file_id: fileId,
        endpoint: '/v1/chat/completions',
        // @ts-expect-error not a window
        completion_window: 'soon',
      }),
      (error: unknown) => error instanceof BadRequestError && error.param === 'completion_window',
    );
    await assert.rejects(
      client.files.create({
        file: new File(['{}\n'], 'x.jsonl'),
        purpose: 'fine-tune',
      }),
      (error: unknown) => error instanceof BadRequestError && error.param === 'purpose',
    );
    await assert.rejects(
      client.batches.retrieve('batch_nope'),
      (error: unknown) => error instanceof NotFoundError,
    );
    await assert.rejects(
      client.files.retrieve('file-nope'),
      (error: unknown) => error instanceof NotFoundError,
    );
    const deleted = await client.files.delete(fileId);
    assert.deepEqual(deleted, { id: fileId, object: 'file', deleted: true });
    await assert.rejects(
      client.files.content(fileId),
      (error: unknown) => error instanceof NotFoundError,
    );
  });

  test('cancel in the middle: cancelling, then cancelled; finished requests are in the output', async () => {
    const fileId = await uploadLines(client, chatLines(80, 'synth-5m', 300));
    const created = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await waitForBatch(client, created.id, 120_000, (b) => (b.request_counts?.completed ?? 0) >= 4);
    const cancelling = await client.batches.cancel(created.id);
    assert.equal(cancelling.status, 'cancelling');
    assert.ok(cancelling.cancelling_at);
    const batch = await waitForBatch(client, created.id, 60_000);
    assert.equal(batch.status, 'cancelled', JSON.stringify(batch));
    assert.ok(batch.cancelled_at! >= batch.cancelling_at!);
    const completed = batch.request_counts!.completed;
    assert.ok(completed >= 4 && completed < 80, `completed ${completed}`);

    const output = await readOutput(client, batch.output_file_id!);
    assert.equal(output.length, completed);
    assert.ok(output.every((line) => line.response?.status_code === 200));
    const errors = await readOutput(client, batch.error_file_id!);
    assert.ok(errors.every((line) => line.error?.code === 'batch_cancelled'));
    const answered = new Set([...output, ...errors].map((line) => line.custom_id));
    assert.equal(answered.size, 80, 'every request is in one of the two files');
    // Nothing of the batch is left in the queue.
    const queued = await fleet.redis.zrange(`${fleet.prefix}:jobs:prioritized`, '0', '-1');
    assert.ok(!queued.some((id) => id.startsWith(`batch:${batch.id}:`)));
    // Cancelling it again answers it as it is.
    assert.equal((await client.batches.cancel(created.id)).status, 'cancelled');
  });

  test('a batch survives an api killed in the middle and a new api takes it over', async () => {
    const fileId = await uploadLines(client, chatLines(300, 'synth-5m', 16));
    const created = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await waitForBatch(
      client,
      created.id,
      120_000,
      (b) => (b.request_counts?.completed ?? 0) >= 20,
    );
    const [api] = fleet.live('api');
    api.kill('SIGKILL');
    await new Promise((resolve) => api.once('exit', resolve));
    fleet.spawn('api');
    await fleet.waitFor(
      'the new api to answer',
      async () => (await fetch(`${fleet.baseUrl}/health`).catch(() => null))?.ok,
      30_000,
    );
    const batch = await waitForBatch(client, created.id, 180_000);
    assert.equal(batch.status, 'completed', JSON.stringify(batch));
    assert.deepEqual(batch.request_counts, { total: 300, completed: 300, failed: 0 });
    const output = await readOutput(client, batch.output_file_id!);
    assert.equal(output.length, 300);
    assert.equal(new Set(output.map((line) => line.custom_id)).size, 300);
  });

  test('batches.list pages newest first with after and limit', async () => {
    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    assert.ok(all.length >= 5, `listed ${all.length}`);
    assert.equal(new Set(all).size, all.length);
    const page = await client.batches.list({ limit: 2 });
    assert.deepEqual(
      page.data.map((b) => b.id),
      all.slice(0, 2),
    );
    assert.equal(page.has_more, true);
    const next = await client.batches.list({ limit: 2, after: all[1] });
    assert.deepEqual(
      next.data.map((b) => b.id),
      all.slice(2, 4),
    );
  });
});
