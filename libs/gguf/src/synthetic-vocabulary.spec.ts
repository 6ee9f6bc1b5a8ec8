import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildVocabulary } from './synthetic-vocabulary.js';

test('a full vocabulary: ▁ and ASCII, then syllables, then ▁-words reachable by merging', () => {
  const { tokens } = buildVocabulary(4096);
  assert.equal(tokens[259], '\u2581');
  assert.equal(tokens[353], '~');
  assert.equal(tokens[354], 'ba');
  assert.equal(tokens[354 + 70], '\u2581ba');
  const words = tokens.slice(354 + 70);
  assert.ok(words.every((t) => t.startsWith('\u2581')));
  // Every word's ▁-prefix one syllable shorter is in the vocabulary, so merging can reach it.
  const known = new Set(tokens);
  for (const word of words.filter((w) => w.length > 3)) {
    assert.ok(known.has(word.slice(0, -2)), word);
  }
  assert.equal(new Set(tokens).size, tokens.length, 'no duplicates');
});
