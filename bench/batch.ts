/**
 * A batch of N chat requests (default 10,000) on the ~5 M synthetic model through the Batch API
 * (upload → batch created → completed, output downloaded), against the same requests added
 * directly as BullMQ jobs to the same fleet in the same run (the baseline: no files, no
 * validation, no tracker).
 *
 *   npm run bench:batch -- [--requests 10000] [--max-tokens 8] [--slots 4] [--threads 1]
 *                          [--warmup 300] [--first baseline|batch]
 */
import { mkdtempSync, openAsBlob, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BULL_PRIORITY, type JobData } from '#switchyard/contracts';
import { openJobsQueue } from '#switchyard/fleet';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { FleetHarness } from '../test/support/fleet-harness.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    'max-tokens': { type: 'string', default: '8' },
    slots: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1' },
    /** Which workload runs first: the second one meets a fleet warmed by the first. */
    first: { type: 'string', default: 'baseline' },
    /** Jobs run before measuring, so neither workload pays for a cold fleet. */
    warmup: { type: 'string', default: '300' },
  },
});
if (values.first !== 'baseline' && values.first !== 'batch') {
  throw new Error('--first must be baseline or batch');
}
const requests = Number(values.requests);
const maxTokens = Number(values['max-tokens']);
const MODEL = 'synth-5m';
const POLL_MS = 250;
const CHUNK = 500;

const prompt = (i: number) => `Request number ${i}: tell me something about the sea.`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (message: string) => process.stderr.write(`${message}\n`);

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-batch-'));
const modelsDir = join(dir, 'models');
const filesDir = join(dir, 'files');
log(`writing ${MODEL}…`);
await writeSyntheticModel(join(modelsDir, `${MODEL}.gguf`), MODEL_PRESETS[MODEL]);

const fleet = new FleetHarness({
  modelsDir,
  env: {
    FILES_DIR: filesDir,
    LOG_LEVEL: 'warn',
    JOB_LOCK_MS: '30000',
    STALLED_INTERVAL_MS: '15000',
  },
  workerEnv: {
    WORKER_THREADS: values.threads!,
    WORKER_SLOTS: values.slots!,
    WORKER_MAX_JOBS: values.slots!,
  },
});

/** The baseline: the same requests as BullMQ jobs added with addBulk, until all completed. */
async function baseline(count = requests, name = 'bench'): Promise<number> {
  const queue = openJobsQueue(fleet.redis, fleet.prefix);
  const ids = Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);
  const before = await queue.getJobCounts('completed', 'failed');
  const started = Date.now();
  for (let i = 0; i < count; i += CHUNK) {
    await queue.addBulk(
      ids.slice(i, i + CHUNK).map((id, j) => {
        const data: JobData = {
          model: MODEL,
          messages: [{ role: 'user', content: prompt(i + j + 1) }],
          maxTokens,
          temperature: 1,
          priority: 'batch',
          submittedAt: Date.now(),
        };
        return {
          name: 'infer',
          data,
          opts: {
            jobId: id,
            priority: BULL_PRIORITY.batch,
            attempts: 1,
            removeOnComplete: { age: 86400 },
            removeOnFail: { age: 86400 },
          },
        };
      }),
    );
  }
  let finished = 0;
  let lastReport = 0;
  while (finished < count) {
    await sleep(POLL_MS);
    // Counts are O(1) reads (as cheap as the batch's GET); per-job states would load Redis.
    const counts = await queue.getJobCounts('completed', 'failed');
    if (counts.failed > before.failed) throw new Error('baseline jobs failed');
    finished = counts.completed - before.completed;
    if (Date.now() - lastReport > 10_000) {
      log(`  ${name}: ${finished}/${count}`);
      lastReport = Date.now();
    }
  }
  const elapsed = Date.now() - started;
  await queue.close();
  return elapsed;
}

interface Batch {
  id: string;
  status: string;
  created_at: number;
  in_progress_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  output_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
}

async function call<T>(method: string, path: string, body?: FormData | object): Promise<T> {
  const json = body !== undefined && !(body instanceof FormData);
  const response = await fetch(`${fleet.baseUrl}${path}`, {
    method,
    headers: json ? { 'content-type': 'application/json' } : {},
    body: json ? JSON.stringify(body) : (body as FormData | undefined),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The Batch API: upload, create, poll until completed; the time from upload to completed. */
async function batch(): Promise<{ elapsed: number; uploadMs: number; batch: Batch }> {
  const input = join(dir, 'input.jsonl');
  const lines = Array.from({ length: requests }, (_, i) =>
    JSON.stringify({
      custom_id: `req-${i + 1}`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: MODEL,
        messages: [{ role: 'user', content: prompt(i + 1) }],
        max_tokens: maxTokens,
      },
    }),
  );
  writeFileSync(input, `${lines.join('\n')}\n`);
  const started = Date.now();
  const form = new FormData();
  form.append('purpose', 'batch');
  form.append('file', await openAsBlob(input), 'input.jsonl');
  const file = await call<{ id: string }>('POST', '/v1/files', form);
  const uploadMs = Date.now() - started;
  let current = await call<Batch>('POST', '/v1/batches', {
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  let lastReport = 0;
  while (!['completed', 'failed', 'expired', 'cancelled'].includes(current.status)) {
    await sleep(POLL_MS);
    current = await call<Batch>('GET', `/v1/batches/${current.id}`);
    if (Date.now() - lastReport > 10_000) {
      const { completed, total } = current.request_counts;
      log(`  batch: ${current.status} ${completed}/${total}`);
      lastReport = Date.now();
    }
  }
  const elapsed = Date.now() - started;
  if (current.status !== 'completed' || current.request_counts.completed !== requests) {
    throw new Error(`the batch ended ${current.status}: ${JSON.stringify(current)}`);
  }
  const output = await fetch(`${fleet.baseUrl}/v1/files/${current.output_file_id}/content`);
  const answered = (await output.text()).trim().split('\n').length;
  if (answered !== requests) throw new Error(`the output holds ${answered} lines`);
  return { elapsed, uploadMs, batch: current };
}

try {
  await fleet.start();
  log(`warming up (model load, ${values.warmup} jobs)…`);
  await baseline(Number(values.warmup), 'warmup');

  const runBaseline = () => {
    log(`baseline: ${requests} BullMQ jobs…`);
    return baseline();
  };
  const runBatch = () => {
    log(`batch: ${requests} requests through /v1/files and /v1/batches…`);
    return batch();
  };
  let direct: number;
  let viaBatch: Awaited<ReturnType<typeof batch>>;
  if (values.first === 'baseline') {
    direct = await runBaseline();
    viaBatch = await runBatch();
  } else {
    viaBatch = await runBatch();
    direct = await runBaseline();
  }

  const b = viaBatch.batch;
  const rate = (ms: number) => (requests / (ms / 1000)).toFixed(1);
  console.log(
    `\n${requests} chat requests, ${MODEL}, max_tokens ${maxTokens}, 1 worker with ${values.slots} slots, ${values.threads} thread(s); ${values.first} ran first\n`,
  );
  console.log('| workload | upload → completed | requests/s |');
  console.log('| --- | --- | --- |');
  console.log(
    `| Batch API (file, batch, tracker) | ${seconds(viaBatch.elapsed)} | ${rate(viaBatch.elapsed)} |`,
  );
  console.log(`| baseline: BullMQ jobs, addBulk | ${seconds(direct)} | ${rate(direct)} |`);
  console.log(`\nbatch / baseline time: ${(viaBatch.elapsed / direct).toFixed(2)}×`);
  console.log(
    `batch phases: upload ${viaBatch.uploadMs} ms; created → in_progress ${
      (b.in_progress_at ?? 0) - b.created_at
    } s; in_progress → finalizing ${(b.finalizing_at ?? 0) - (b.in_progress_at ?? 0)} s; finalizing → completed ${
      (b.completed_at ?? 0) - (b.finalizing_at ?? 0)
    } s (batch times are whole seconds)`,
  );
} finally {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}
