import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Utf8TokenDecoder, type Detokenize } from './utf8-token-decoder.js';

// Token ids below 256 are raw bytes (like byte-fallback tokens); 1000 + n is the word "w<n>".
const detokenize: Detokenize = (tokens) => {
  const bytes: number[] = [];
  for (const token of tokens) {
    if (token < 256) bytes.push(token);
    else bytes.push(...Buffer.from(` w${token - 1000}`));
  }
  return Buffer.from(bytes).toString('utf8');
};
const bytesOf = (text: string) => [...Buffer.from(text)];

describe('Utf8TokenDecoder', () => {
  it('emits whole tokens at once', () => {
    const decoder = new Utf8TokenDecoder(detokenize);
    assert.equal(decoder.push(1001), ' w1');
    assert.equal(decoder.push(1002), ' w2');
    assert.equal(decoder.flush(), '');
  });

  it('holds the bytes of a multibyte character until it is complete', () => {
    const decoder = new Utf8TokenDecoder(detokenize);
    const [a, b, c] = bytesOf('あ');
    assert.equal(decoder.push(a!), '');
    assert.equal(decoder.push(b!), '');
    assert.equal(decoder.push(c!), 'あ');
    const emoji = bytesOf('😀');
    assert.deepEqual(
      emoji.map((byte) => decoder.push(byte)),
      ['', '', '', '😀'],
    );
  });

  it('releases an invalid sequence instead of holding it forever', () => {
    const decoder = new Utf8TokenDecoder(detokenize);
    assert.equal(decoder.push(0xe3), '');
    assert.equal(decoder.push(1005), '\uFFFD w5');
  });

  it('flushes an incomplete character at the end', () => {
    const decoder = new Utf8TokenDecoder(detokenize);
    assert.equal(decoder.push(0xe3), '');
    assert.equal(decoder.flush(), '\uFFFD');
  });
});
