import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTraceCsv } from './trace-csv.js';

describe('parseTraceCsv', () => {
  test('reads Azure-style rows into ms from the first request, sorted by time', () => {
    const rows = parseTraceCsv(
      [
        'TIMESTAMP,ContextTokens,GeneratedTokens',
        '2023-11-16 18:17:04.0319600,3180,8',
        '2023-11-16 18:17:03.9799600,4808,10',
        '2023-11-16 18:18:03.9799600,110,0',
        '',
      ].join('\n'),
    );
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[0], { atMs: 0, promptTokens: 4808, outputTokens: 10 });
    assert.ok(Math.abs(rows[1].atMs - 52) < 1e-6);
    // A row that generated nothing still makes one token.
    assert.deepEqual(rows[2], { atMs: 60_000, promptTokens: 110, outputTokens: 1 });
  });

  test('takes columns in any order and case, and numeric timestamps in seconds', () => {
    const rows = parseTraceCsv(
      'generatedtokens,extra,timestamp,contexttokens\n5,x,10.5,100\n7,y,12,200\n',
    );
    assert.deepEqual(rows, [
      { atMs: 0, promptTokens: 100, outputTokens: 5 },
      { atMs: 1500, promptTokens: 200, outputTokens: 7 },
    ]);
  });

  test('names the line of a malformed row and a missing column', () => {
    assert.throws(
      () => parseTraceCsv('TIMESTAMP,ContextTokens,GeneratedTokens\n1,2,3\nnope,2,3\n', 't.csv'),
      /t\.csv: line 3/,
    );
    assert.throws(
      () => parseTraceCsv('TIMESTAMP,ContextTokens\n1,2\n'),
      /no GeneratedTokens column/,
    );
  });
});
