import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { OnlyValues } from './only-values.validator.js';
import { IsCompletionPrompt } from './is-completion-prompt.validator.js';
import { OpenAiRequestDto } from './openai-request.dto.js';

/** The body of `POST /v1/completions` (the legacy text completion). */
export class CompletionRequestDto extends OpenAiRequestDto {
  @IsCompletionPrompt()
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 1 }],
    example: 'Once upon a time',
  })
  prompt: string | string[];

  @OnlyValues([false], 'is not supported')
  @ApiPropertyOptional({ enum: [false], nullable: true })
  echo?: boolean | null;

  @OnlyValues([1], 'is not supported')
  @ApiPropertyOptional({ enum: [1], nullable: true })
  best_of?: number | null;

  @OnlyValues([0], 'is not supported')
  @ApiPropertyOptional({ enum: [0], nullable: true })
  logprobs?: number | null;

  @OnlyValues([''], 'is not supported')
  @ApiPropertyOptional({ enum: [''], nullable: true })
  suffix?: string | null;

  requestedMaxTokens(): number | null {
    return this.max_tokens ?? null;
  }

  /** The prompt text. */
  promptText(): string {
    return Array.isArray(this.prompt) ? this.prompt[0] : this.prompt;
  }
}
