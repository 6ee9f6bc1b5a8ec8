/** GGUF token types (tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

/** Token ids llama.cpp is told about in the metadata. */
export const SPECIAL_TOKEN_IDS = { unknown: 0, bos: 1, eos: 2 } as const;

/** A SentencePiece-style vocabulary as the three parallel GGUF tokenizer arrays. */
export interface SyntheticVocabulary {
  tokens: string[];
  scores: Float32Array;
  tokenTypes: Int32Array;
}

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';
// Every syllable is exactly consonant + vowel, so a word splits into syllables one way only and
// the bijective numbering below can never produce the same piece twice.
const SYLLABLES = [...CONSONANTS].flatMap((c) => [...VOWELS].map((v) => c + v));

/** '▁' then printable ASCII except the space (which SentencePiece writes as '▁'). */
const BASE_CHARACTERS = [
  '\u2581',
  ...Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)),
];

/** The i-th pronounceable word: bijective base-70 over syllables, so "ba", "be", ..., "baba"... */
function wordAt(index: number): string {
  let word = '';
  let n = index + 1;
  while (n > 0) {
    n -= 1;
    word = SYLLABLES[n % SYLLABLES.length] + word;
    n = Math.floor(n / SYLLABLES.length);
  }
  return word;
}

/**
 * <unk>, <s>, </s>, the 256 byte tokens, then ▁-prefixed word pieces with decreasing scores.
 * Depends only on the size, so models of one vocabulary size share token ids.
 */
export function buildVocabulary(vocabSize: number): SyntheticVocabulary {
  const tokens: string[] = new Array<string>(vocabSize);
  const scores = new Float32Array(vocabSize);
  const tokenTypes = new Int32Array(vocabSize);
  tokens[0] = '<unk>';
  tokenTypes[0] = TOKEN_TYPE.unknown;
  tokens[1] = '<s>';
  tokenTypes[1] = TOKEN_TYPE.control;
  tokens[2] = '</s>';
  tokenTypes[2] = TOKEN_TYPE.control;
  for (let b = 0; b < 256; b++) {
    tokens[3 + b] = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    tokenTypes[3 + b] = TOKEN_TYPE.byte;
  }
  // The word-boundary mark and printable ASCII as pieces of their own: SentencePiece merging starts
  // from single characters, so without them text could only become byte tokens (3 per space) and
  // would not detokenize back to itself.
  let id = 259;
  for (const char of BASE_CHARACTERS) {
    if (id >= vocabSize) break;
    tokens[id] = char;
    scores[id] = -1e6 - id;
    tokenTypes[id] = TOKEN_TYPE.normal;
    id += 1;
  }
  for (let i = 0; id < vocabSize; id++, i++) {
    // Syllables alone, then ▁-prefixed words: every word is reachable by merging its ▁-prefix
    // (one syllable shorter, listed earlier) with its last syllable.
    tokens[id] = i < SYLLABLES.length ? SYLLABLES[i] : '\u2581' + wordAt(i - SYLLABLES.length);
    // Earlier pieces score higher, which is what SentencePiece merging ranks by.
    scores[id] = -(i + 1);
    tokenTypes[id] = TOKEN_TYPE.normal;
  }
  return { tokens, scores, tokenTypes };
}
