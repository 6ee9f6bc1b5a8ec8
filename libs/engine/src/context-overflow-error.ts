/**
 * Thrown by generate() when prompt + maxTokens do not fit in a slot's context: node-llama-cpp would
 * otherwise shift the context silently and the output would no longer follow the prompt.
 */
export class ContextOverflowError extends RangeError {
  override readonly name = 'ContextOverflowError';

  constructor(
    readonly model: string,
    readonly requiredTokens: number,
    readonly contextSize: number,
  ) {
    super(`model "${model}": ${requiredTokens} tokens needed, a slot holds ${contextSize}`);
  }
}
