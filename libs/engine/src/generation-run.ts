import { access, constants } from 'node:fs/promises';
import type {
  ControlledEvaluateInputItem,
  LlamaContextSequence,
  LlamaModel,
  Token,
} from 'node-llama-cpp';
import type {
  GenerateHooks,
  GenerateRequest,
  GenerateResult,
  RestoredKvState,
  SavedKvState,
} from './engine-types.js';
import { positionSeed } from './position-seed.js';
import { StopStringMatcher } from './stop-string-matcher.js';
import { Utf8TokenDecoder } from './utf8-token-decoder.js';

/** Default prompt chunk: small enough that an abort lands within a few ms on a small model. */
export const DEFAULT_PROMPT_CHUNK_SIZE = 64;
/** Default `checkpointEvery`. */
export const DEFAULT_CHECKPOINT_EVERY = 16;
/** node-llama-cpp's own top-k default, kept so that results match its other entry points. */
export const DEFAULT_TOP_K = 40;

/** Everything one run needs; the caller owns the sequence and releases it afterwards. */
export interface GenerationRunInput {
  model: LlamaModel;
  sequence: LlamaContextSequence;
  promptTokens: number[];
  /** Stop strings from the chat template, added to the request's own. */
  templateStops: string[];
  request: GenerateRequest;
  hooks: GenerateHooks & { checkpointEvery?: number };
  /** The request's signal combined with the engine's own (forced unload). */
  signal: AbortSignal;
  /** performance.now() when generate() was called. */
  calledAt: number;
  /** Seed to use when the request has none. */
  fallbackSeed: number;
}

/**
 * One generation on one sequence: chunked prefill (so an abort is seen between chunks), then
 * decoding one token at a time with the signal checked before each. With temperature > 0 every
 * token is a `controlledEvaluate` call sampling with a seed derived from the request seed and the
 * token's position (see `positionSeed`), so a resumed run samples exactly like an uninterrupted
 * one; `evaluate()` would keep one RNG stream per call instead. Greedy runs use `evaluate()`.
 */
export class GenerationRun {
  private readonly generated: number[];
  private readonly decoder: Utf8TokenDecoder;
  private readonly stopMatcher: StopStringMatcher;
  private readonly checkpointEvery: number;
  private readonly seed: number;
  private text = '';
  private stoppedByString = false;
  private prefillStartedAt = 0;
  private firstTokenAt = 0;
  private lastTokenAt = 0;
  // Set once this run has cleared or restored the slot: before that it holds another run's state.
  private ownsState = false;
  private restored?: RestoredKvState;
  // The greedy path's token stream; it feeds each yielded token back itself on the next call.
  private greedy?: AsyncGenerator<Token, void, void | Token | Token[]>;

  constructor(private readonly input: GenerationRunInput) {
    const { model, request, hooks, promptTokens } = input;
    const resumed = request.resumeTokens ?? [];
    this.generated = [...resumed];
    this.seed = request.seed ?? input.fallbackSeed;
    this.checkpointEvery = Math.max(
      1,
      Math.floor(hooks.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY),
    );
    const detokenize = (tokens: readonly number[], lastTokens: readonly number[]) =>
      model.detokenize(asTokens(tokens), false, asTokens(lastTokens));
    // Resumed text was already streamed by the interrupted run: it is only part of the result.
    this.text = resumed.length > 0 ? detokenize(resumed, promptTokens) : '';
    this.decoder = new Utf8TokenDecoder(detokenize, [...promptTokens, ...resumed]);
    this.stopMatcher = new StopStringMatcher([...(request.stop ?? []), ...input.templateStops]);
  }

  /** Runs to the end; an abort is a normal ending ('cancelled'), not an error. */
  async run(): Promise<GenerateResult> {
    let result: GenerateResult;
    try {
      result = await this.generate();
    } finally {
      await this.greedy?.return();
    }
    const target = this.input.request.saveStateTo;
    const path = typeof target === 'function' ? target(result.finishReason) : target;
    if (path !== undefined && this.ownsState) result.savedState = await this.saveState(path);
    return result;
  }

  private async generate(): Promise<GenerateResult> {
    const { sequence, request, signal, hooks, promptTokens } = this.input;
    const chunkSize = Math.max(1, Math.floor(request.promptChunkSize ?? DEFAULT_PROMPT_CHUNK_SIZE));
    const input = [...promptTokens, ...this.generated];

    this.prefillStartedAt = performance.now();
    if (this.generated.length >= request.maxTokens) return this.finish('length', input.length);
    hooks.onPhase?.('prefill');
    let offset = await this.startState(input);
    while (input.length - offset > chunkSize) {
      if (signal.aborted) return this.finish('cancelled', input.length);
      await sequence.evaluateWithoutGeneratingNewTokens(
        asTokens(input.slice(offset, offset + chunkSize)),
      );
      offset += chunkSize;
    }

    let pending = input.slice(offset);
    for (;;) {
      if (signal.aborted) return this.finish('cancelled', input.length);
      const token = await this.sampleAfter(pending);
      const now = performance.now();
      if (this.firstTokenAt === 0) {
        this.firstTokenAt = now;
        hooks.onPhase?.('decoding');
      }
      this.lastTokenAt = now;
      if (this.input.model.isEogToken(token as Token)) return this.finish('stop', input.length);

      this.generated.push(token);
      const stopped = this.emit(this.decoder.push(token));
      if (this.generated.length % this.checkpointEvery === 0) {
        hooks.onCheckpoint?.([...this.generated]);
      }
      if (stopped) return this.finish('stop', input.length);
      if (this.generated.length >= request.maxTokens) return this.finish('length', input.length);
      pending = [token];
    }
  }

  /**
   * Empties the slot (it may hold the previous request's state), or loads the request's saved
   * state and keeps its longest prefix matching `input`, leaving at least one token to evaluate
   * (sampling needs its logits). Returns how many tokens of `input` are already evaluated. A
   * file that cannot be read (e.g. written on another worker) falls back to recomputing.
   */
  private async startState(input: number[]): Promise<number> {
    const { sequence, request } = this.input;
    const path = request.restoreStateFrom;
    this.ownsState = true;
    const startedAt = performance.now();
    // Emptied first even when restoring: a load that fails (no such file) leaves the cells as
    // they were while node-llama-cpp already counts the sequence as empty.
    await sequence.clearHistory();
    if (path === undefined) return 0;
    let fileTokens: number[];
    try {
      // Checked first so that a missing file (written on another worker) logs nothing natively.
      await access(path, constants.R_OK);
      await sequence.loadStateFromFile(path, { acceptRisk: true });
      fileTokens = sequence.contextTokens;
    } catch (error) {
      const ms = performance.now() - startedAt;
      this.restored = { tokens: 0, fileTokens: 0, ms, error: (error as Error).message };
      return 0;
    }
    const limit = Math.min(fileTokens.length, input.length - 1);
    let kept = 0;
    while (kept < limit && fileTokens[kept] === input[kept]) kept++;
    if (kept === 0) await sequence.clearHistory();
    else if (kept < fileTokens.length) {
      await sequence.eraseContextTokenRanges([{ start: kept, end: fileTokens.length }]);
    }
    const ms = performance.now() - startedAt;
    this.restored = { tokens: kept, fileTokens: fileTokens.length, ms };
    return kept;
  }

  // A failed save (a full disk) is reported, not thrown: the run's tokens are still a checkpoint.
  private async saveState(path: string): Promise<SavedKvState> {
    const { sequence } = this.input;
    const startedAt = performance.now();
    try {
      const { fileSize } = await sequence.saveStateToFile(path);
      const ms = performance.now() - startedAt;
      return { path, tokens: sequence.contextTokens.length, bytes: fileSize, ms };
    } catch (error) {
      const ms = performance.now() - startedAt;
      return { path, tokens: 0, bytes: 0, ms, error: (error as Error).message };
    }
  }

  // Evaluates `tokens` (the last prompt chunk, then the previous token) and samples the next one.
  private async sampleAfter(tokens: number[]): Promise<number> {
    const { request, sequence } = this.input;
    if (request.temperature === 0) {
      // Greedy needs no seed, so one evaluate() stream serves the whole run: it keeps its sampler
      // and lock between tokens (about 50 us a token less than controlledEvaluate on a 5 M model).
      this.greedy ??= sequence.evaluate(asTokens(tokens), { temperature: 0, yieldEogToken: true });
      const next = await this.greedy.next();
      if (next.done) throw new Error('llama.cpp ended the evaluation without a token');
      return next.value;
    }
    const last = tokens.length - 1;
    const items: ControlledEvaluateInputItem[] = asTokens(tokens.slice(0, last));
    items.push([
      tokens[last] as Token,
      {
        generateNext: {
          token: true,
          options: {
            temperature: request.temperature,
            topP: request.topP ?? 1,
            topK: request.topK ?? DEFAULT_TOP_K,
            seed: positionSeed(this.seed, this.generated.length),
          },
        },
      },
    ]);
    const results = await sequence.controlledEvaluate(items);
    const token = results[last]?.next.token;
    if (token == null) throw new Error('llama.cpp sampled no token');
    return token;
  }

  // Streams decoded text through the stop matcher; returns whether a stop string matched.
  private emit(decoded: string): boolean {
    if (decoded === '') return false;
    const { emit, stopped } = this.stopMatcher.push(decoded);
    this.append(emit);
    this.stoppedByString = stopped;
    return stopped;
  }

  private append(delta: string): void {
    if (delta === '') return;
    this.text += delta;
    this.input.hooks.onText?.(delta, this.generated.length);
  }

  private finish(reason: GenerateResult['finishReason'], prefillTokens: number): GenerateResult {
    if (!this.stoppedByString) {
      // Nothing more will come: text held for an incomplete character or a possible stop
      // string is final now (and may still complete a stop string).
      const { emit, stopped } = this.stopMatcher.push(this.decoder.flush());
      this.append(emit);
      if (!stopped) this.append(this.stopMatcher.flush());
    }
    const newTokens = this.generated.length - (this.input.request.resumeTokens?.length ?? 0);
    const first = this.firstTokenAt;
    const prefillMs = (first || performance.now()) - this.prefillStartedAt;
    // Restored tokens were not evaluated: the prefill rate counts only what was.
    const evaluated = prefillTokens - (this.restored?.tokens ?? 0);
    const decodeMs = first ? this.lastTokenAt - first : 0;
    return {
      text: this.text,
      tokens: [...this.generated],
      promptTokens: this.input.promptTokens.length,
      completionTokens: this.generated.length,
      finishReason: reason,
      timings: {
        prefillMs,
        firstTokenMs: first ? first - this.input.calledAt : 0,
        decodeMs,
        decodeTokensPerSecond: decodeMs > 0 ? ((newTokens - 1) * 1000) / decodeMs : 0,
        prefillTokensPerSecond: first && prefillMs > 0 ? (evaluated * 1000) / prefillMs : 0,
      },
      ...(this.restored === undefined ? {} : { restoredState: this.restored }),
    };
  }
}

// node-llama-cpp brands token ids; the engine's API uses plain numbers.
function asTokens(tokens: readonly number[]): Token[] {
  return tokens as Token[];
}
