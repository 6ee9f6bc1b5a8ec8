import OpenAI, { toFile } from 'openai';

/** One line of an OpenAI batch input file for the chat endpoint. */
export function chatLine(
  customId: string,
  body: Record<string, unknown>,
  url = '/v1/chat/completions',
): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url, body });
}

/** `count` chat requests `req-1`… on `model`, each asking for `maxTokens` tokens. */
export function chatLines(count: number, model: string, maxTokens: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    chatLine(`req-${i + 1}`, {
      model,
      messages: [{ role: 'user', content: `Request number ${i + 1}` }],
      max_tokens: maxTokens,
    }),
  );
}

/** Uploads JSONL lines with `files.create` (purpose batch) and returns the file id. */
export async function uploadLines(client: OpenAI, lines: string[], name = 'batch.jsonl') {
  const file = await client.files.create({
    file: await toFile(Buffer.from(`${lines.join('\n')}\n`), name),
    purpose: 'batch',
  });
  return file.id;
}

/** A batch's final statuses. */
export const BATCH_ENDED = ['completed', 'failed', 'expired', 'cancelled'];

/** Polls `batches.retrieve` until `until` holds (default: the batch ended); returns it. */
export async function waitForBatch(
  client: OpenAI,
  id: string,
  timeoutMs: number,
  until: (batch: OpenAI.Batch) => boolean = (batch) => BATCH_ENDED.includes(batch.status),
): Promise<OpenAI.Batch> {
  const deadline = Date.now() + timeoutMs;
  let batch = await client.batches.retrieve(id);
  while (!until(batch)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for batch ${id}: ${JSON.stringify(batch)}`);
    }
    if (BATCH_ENDED.includes(batch.status)) {
      throw new Error(`batch ${id} ended before the awaited state: ${JSON.stringify(batch)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    batch = await client.batches.retrieve(id);
  }
  return batch;
}

/** One line of a batch output or error file. */
export interface OutputLine {
  id: string;
  custom_id: string | null;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string; line: number } | null;
}

/** Downloads a file with `files.content` and parses its lines. */
export async function readOutput(client: OpenAI, fileId: string): Promise<OutputLine[]> {
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutputLine);
}
