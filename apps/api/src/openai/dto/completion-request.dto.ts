import { OnlyValues } from './only-values.validator.js';
import { IsCompletionPrompt } from './is-completion-prompt.validator.js';
import { OpenAiRequestDto } from './openai-request.dto.js';

/** The body of `POST /v1/completions` (the legacy text completion). */
export class CompletionRequestDto extends OpenAiRequestDto {
  @IsCompletionPrompt()
  prompt: string | string[];

  @OnlyValues([false], 'is not supported')
  echo?: boolean | null;

  @OnlyValues([1], 'is not supported')
  best_of?: number | null;

  @OnlyValues([0], 'is not supported')
  logprobs?: number | null;

  @OnlyValues([''], 'is not supported')
  suffix?: string | null;

  requestedMaxTokens(): number | null {
    return this.max_tokens ?? null;
  }

  /** The prompt text. */
  promptText(): string {
    return Array.isArray(this.prompt) ? this.prompt[0] : this.prompt;
  }
}
