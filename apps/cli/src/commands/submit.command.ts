import { createWriteStream, openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const USAGE = `usage: switchyard submit <input.jsonl> [options]
       switchyard submit --attach <batch id> [options]

Uploads a JSONL batch file (OpenAI's batch format: one {"custom_id", "method": "POST", "url",
"body"} per line), starts a batch, shows its progress until it ends, then downloads its output
and error files. Ctrl-C once cancels the batch (and still downloads what finished); twice quits.

options:
  --url URL          the api (default $SWITCHYARD_URL, else http://localhost:3000)
  --api-key KEY      the API key, when the api has keys (default $SWITCHYARD_API_KEY)
  --endpoint PATH    /v1/chat/completions (default) or /v1/completions
  --window W         completion window: 24h (default), or e.g. 30m, 2h, 1d
  --metadata K=V     batch metadata; repeat for several pairs
  --out FILE         where the output goes (default <input>.output.jsonl, or <batch>.output.jsonl)
  --errors FILE      where the error lines go (default <input>.errors.jsonl)
  --attach ID        follow an existing batch instead of creating one
  --no-wait          print the batch and return once it is created
  --interval MS      how often to poll (default 1000)`;

const OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  endpoint: { type: 'string', default: '/v1/chat/completions' },
  window: { type: 'string', default: '24h' },
  metadata: { type: 'string', multiple: true, default: [] as string[] },
  out: { type: 'string' },
  errors: { type: 'string' },
  attach: { type: 'string' },
  'no-wait': { type: 'boolean', default: false },
  interval: { type: 'string', default: '1000' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The fields of OpenAI's batch object this command reads. */
interface Batch {
  id: string;
  status: string;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  request_counts: { total: number; completed: number; failed: number };
  errors: { data: { line: number | null; message: string }[] } | null;
}

const ENDED = ['completed', 'failed', 'expired', 'cancelled'];

/** `switchyard submit`: a JSONL file in, a finished batch's output out, with a progress bar. */
export async function submitCommand(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new Error(`submit: ${(error as Error).message}\n\n${USAGE}`, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const input = positionals[0];
  if (!input && !values.attach) throw new Error(`submit: name a JSONL file\n\n${USAGE}`);
  const api = new BatchApi(
    values.url ?? process.env.SWITCHYARD_URL ?? 'http://localhost:3000',
    values['api-key'] ?? process.env.SWITCHYARD_API_KEY,
  );

  let batch: Batch;
  if (values.attach) {
    batch = await api.json<Batch>('GET', `/v1/batches/${values.attach}`);
  } else {
    process.stderr.write(`uploading ${input}…\n`);
    const fileId = await api.upload(input!);
    batch = await api.json<Batch>('POST', '/v1/batches', {
      input_file_id: fileId,
      endpoint: values.endpoint,
      completion_window: values.window,
      metadata: parseMetadata(values.metadata),
    });
  }
  process.stderr.write(`batch ${batch.id} (${batch.status})\n`);
  if (values['no-wait']) {
    console.log(JSON.stringify(batch, null, 2));
    return;
  }

  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\ncancelling batch ${batch.id} (Ctrl-C again to quit at once)…\n`);
    api.json('POST', `/v1/batches/${batch.id}/cancel`).catch((error: Error) => {
      process.stderr.write(`cancel failed: ${error.message}\n`);
    });
  };
  process.on('SIGINT', onInterrupt);
  try {
    const progress = new ProgressBar(process.stderr);
    while (!ENDED.includes(batch.status)) {
      progress.show(batch);
      await sleep(Number(values.interval));
      batch = await api.json<Batch>('GET', `/v1/batches/${batch.id}`);
    }
    progress.show(batch);
    progress.done();
  } finally {
    process.off('SIGINT', onInterrupt);
  }

  const stem = input ? input.replace(/\.jsonl$/, '') : batch.id;
  if (batch.output_file_id) {
    const out = values.out ?? `${stem}.output.jsonl`;
    await api.download(batch.output_file_id, out);
    process.stderr.write(`output: ${out}\n`);
  }
  if (batch.error_file_id) {
    const errors = values.errors ?? `${stem}.errors.jsonl`;
    await api.download(batch.error_file_id, errors);
    process.stderr.write(`errors: ${errors}\n`);
  }
  const { total, completed, failed } = batch.request_counts;
  process.stderr.write(
    `batch ${batch.id} ${batch.status}: ${completed} of ${total} completed, ${failed} failed\n`,
  );
  if (batch.status === 'failed') {
    const reasons = (batch.errors?.data ?? []).slice(0, 10).map((e) => `  - ${e.message}`);
    throw new Error(`the batch failed validation:\n${reasons.join('\n')}`);
  }
  if (batch.status !== 'completed') process.exitCode = 1;
}

function parseMetadata(pairs: string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`submit: --metadata wants KEY=VALUE, got "${pair}"`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The few calls of the Files and Batch APIs this command makes, with OpenAI's error bodies read. */
class BatchApi {
  constructor(
    private readonly base: string,
    private readonly apiKey: string | undefined,
  ) {}

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as T;
  }

  /** Uploads a file as multipart (streamed from disk, not read whole) and returns its id. */
  async upload(path: string): Promise<string> {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', await openAsBlob(path), basename(path));
    const response = await this.fetch('/v1/files', { method: 'POST', body: form });
    return ((await response.json()) as { id: string }).id;
  }

  async download(fileId: string, target: string): Promise<void> {
    const response = await this.fetch(`/v1/files/${fileId}/content`, { method: 'GET' });
    await pipeline(
      Readable.fromWeb(response.body! as unknown as WebReadableStream),
      createWriteStream(target),
    );
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      const headers = new Headers(init.headers);
      if (this.apiKey) headers.set('authorization', `Bearer ${this.apiKey}`);
      response = await fetch(`${this.base}${path}`, { ...init, headers });
    } catch (error) {
      throw new Error(`cannot reach the api at ${this.base}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (response.ok) return response;
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new Error(`${init.method} ${path} answered ${response.status}: ${message}`);
  }
}

/** A one-line progress bar on a terminal; a line per change of status or tenth elsewhere. */
class ProgressBar {
  private lastLine = '';
  private lastTenth = -1;
  private lastStatus = '';
  private readonly startedAt = Date.now();
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
  }

  show(batch: Batch): void {
    const { total, completed, failed } = batch.request_counts;
    const finished = completed + failed;
    const share = total > 0 ? finished / total : 0;
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? completed / seconds : 0;
    const eta =
      rate > 0 && total > finished ? ` · ETA ${formatDuration((total - finished) / rate)}` : '';
    const text =
      `${batch.status.padEnd(11)} ${bar(share)} ${(share * 100).toFixed(0).padStart(3)}% ` +
      `${finished}/${total || '?'} · ${failed} failed · ${rate.toFixed(1)} req/s${eta}`;
    if (this.tty) {
      this.out.write(`\r${text.padEnd(this.lastLine.length)}`);
      this.lastLine = text;
      return;
    }
    const tenth = Math.floor(share * 10);
    if (tenth !== this.lastTenth || batch.status !== this.lastStatus) {
      this.out.write(`${text}\n`);
      this.lastTenth = tenth;
      this.lastStatus = batch.status;
    }
  }

  done(): void {
    if (this.tty) this.out.write('\n');
  }
}

function bar(share: number, width = 30): string {
  const full = Math.round(share * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}
