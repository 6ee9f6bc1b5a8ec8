import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { JsonlLineCounter, TooManyLinesError } from './jsonl-line-counter.js';
import { readJsonlLines, type JsonlLine } from './jsonl-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-jsonl-'));

async function linesOf(content: string | Buffer, maxLineBytes = 1000): Promise<JsonlLine[]> {
  const path = join(dir, 'f.jsonl');
  writeFileSync(path, content);
  const lines: JsonlLine[] = [];
  for await (const line of readJsonlLines(path, maxLineBytes)) lines.push(line);
  return lines;
}

async function count(chunks: string[], maxLines: number): Promise<JsonlLineCounter> {
  const counter = new JsonlLineCounter(maxLines);
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), counter, sink);
  return counter;
}

describe('readJsonlLines', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('numbers physical lines, skips blank ones and strips CR', async () => {
    assert.deepEqual(await linesOf('{"a":1}\r\n\n  \n{"b":2}'), [
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
    ]);
  });

  it('reports a line longer than the limit without holding it, and goes on', async () => {
    const long = 'x'.repeat(5000);
    assert.deepEqual(await linesOf(`${long}\n{"ok":true}\n${long}`, 100), [
      { line: 1, oversized: true },
      { line: 2, text: '{"ok":true}' },
      { line: 3, oversized: true },
    ]);
  });

  it('keeps multi-byte characters split across chunks whole', async () => {
    const text = `{"t":"${'é'.repeat(70_000)}"}`;
    const [line] = await linesOf(`${text}\n`, 1_000_000);
    assert.equal(line.text, text);
  });
});

describe('JsonlLineCounter', () => {
  it('counts bytes and non-blank lines across chunks', async () => {
    const counter = await count(['{"a"', ':1}\n\r\n', '  \n{"b":2}'], 10);
    assert.equal(counter.lines, 2);
    assert.equal(counter.bytes, 20);
  });

  it('fails as soon as the lines exceed the limit', async () => {
    await assert.rejects(count(['1\n2\n3\n'], 2), TooManyLinesError);
    await count(['1\n2\n\n'], 2);
  });
});
