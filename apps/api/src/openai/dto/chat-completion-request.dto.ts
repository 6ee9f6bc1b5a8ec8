import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  Min,
  ValidateNested,
} from 'class-validator';
import { OpenAiChatMessageDto } from './chat-message.dto.js';
import { OnlyValues } from './only-values.validator.js';
import { OpenAiRequestDto } from './openai-request.dto.js';

/** The body of `POST /v1/chat/completions`. */
export class ChatCompletionRequestDto extends OpenAiRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => OpenAiChatMessageDto)
  messages: OpenAiChatMessageDto[];

  /** Wins over `max_tokens` when both are given. */
  @IsOptional()
  @IsInt()
  @Min(1)
  max_completion_tokens?: number | null;

  @OnlyValues([false], 'is not supported')
  logprobs?: boolean | null;

  @OnlyValues([0], 'is not supported')
  top_logprobs?: number | null;

  @OnlyValues([[]], 'is not supported (tool calling)')
  tools?: unknown[] | null;

  @OnlyValues(['none', 'auto'], 'is not supported (tool calling)')
  tool_choice?: unknown;

  @OnlyValues([[]], 'is not supported (function calling)')
  functions?: unknown[] | null;

  @OnlyValues(['none', 'auto'], 'is not supported (function calling)')
  function_call?: unknown;

  /** Accepted and ignored: there are no tools to call. */
  @IsOptional()
  @IsBoolean()
  parallel_tool_calls?: boolean | null;

  @OnlyValues([{ type: 'text' }], 'is not supported (plain text only)')
  response_format?: { type: string } | null;

  @OnlyValues([['text']], 'is not supported (text only)')
  modalities?: string[] | null;

  requestedMaxTokens(): number | null {
    return this.max_completion_tokens ?? this.max_tokens ?? null;
  }

  protected override maxTokenFields(): string[] {
    return ['max_tokens', 'max_completion_tokens'];
  }
}
