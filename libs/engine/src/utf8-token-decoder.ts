/** Turns tokens into text; `lastTokens` are the tokens before them (for spacing rules). */
export type Detokenize = (tokens: readonly number[], lastTokens: readonly number[]) => string;

// A UTF-8 character spans at most 4 bytes, so at most 4 byte-fallback tokens.
const MAX_HELD_TOKENS = 4;
// Enough preceding tokens for the detokenizer's leading-space heuristics.
const CONTEXT_TOKENS = 16;
const REPLACEMENT_CHAR = '\uFFFD';

/**
 * Incremental detokenizer that never splits a multibyte character: tokens whose text ends in an
 * incomplete UTF-8 sequence (which the native detokenizer renders as U+FFFD) are held back until
 * the character completes.
 */
export class Utf8TokenDecoder {
  private pending: number[] = [];
  private context: number[];

  constructor(
    private readonly detokenize: Detokenize,
    precedingTokens: readonly number[] = [],
  ) {
    this.context = precedingTokens.slice(-CONTEXT_TOKENS);
  }

  /** Adds one token; returns the text that is now complete (possibly ''). */
  push(token: number): string {
    this.pending.push(token);
    const text = this.detokenize(this.pending, this.context);
    // A real U+FFFD in the output is released once no character could still be completing.
    if (text.endsWith(REPLACEMENT_CHAR) && this.pending.length < MAX_HELD_TOKENS) return '';
    return this.release(text);
  }

  /** Returns whatever is still held (an incomplete character comes out as U+FFFD). */
  flush(): string {
    if (this.pending.length === 0) return '';
    return this.release(this.detokenize(this.pending, this.context));
  }

  private release(text: string): string {
    this.context = [...this.context, ...this.pending].slice(-CONTEXT_TOKENS);
    this.pending = [];
    return text;
  }
}
