import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  @ApiProperty({ type: () => [OpenAiChatMessageDto], minItems: 1 })
  messages: OpenAiChatMessageDto[];

  /** Wins over `max_tokens` when both are given. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    nullable: true,
    description: 'Wins over max_tokens',
  })
  max_completion_tokens?: number | null;

  @OnlyValues([false], 'is not supported')
  @ApiPropertyOptional({ enum: [false], nullable: true, description: 'Not supported' })
  logprobs?: boolean | null;

  @OnlyValues([0], 'is not supported')
  @ApiPropertyOptional({ enum: [0], nullable: true, description: 'Not supported' })
  top_logprobs?: number | null;

  @OnlyValues([[]], 'is not supported (tool calling)')
  @ApiPropertyOptional({
    type: 'array',
    maxItems: 0,
    nullable: true,
    description: 'Tool calling is not supported',
  })
  tools?: unknown[] | null;

  @OnlyValues(['none', 'auto'], 'is not supported (tool calling)')
  @ApiPropertyOptional({ enum: ['none', 'auto'], nullable: true })
  tool_choice?: unknown;

  @OnlyValues([[]], 'is not supported (function calling)')
  @ApiPropertyOptional({
    type: 'array',
    maxItems: 0,
    nullable: true,
    description: 'Function calling is not supported',
  })
  functions?: unknown[] | null;

  @OnlyValues(['none', 'auto'], 'is not supported (function calling)')
  @ApiPropertyOptional({ enum: ['none', 'auto'], nullable: true })
  function_call?: unknown;

  /** Accepted and ignored: there are no tools to call. */
  @IsOptional()
  @IsBoolean()
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Accepted and ignored' })
  parallel_tool_calls?: boolean | null;

  @OnlyValues([{ type: 'text' }], 'is not supported (plain text only)')
  @ApiPropertyOptional({
    type: Object,
    example: { type: 'text' },
    nullable: true,
    description: 'Only { type: text }',
  })
  response_format?: { type: string } | null;

  @OnlyValues([['text']], 'is not supported (text only)')
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', enum: ['text'] }, nullable: true })
  modalities?: string[] | null;

  requestedMaxTokens(): number | null {
    return this.max_completion_tokens ?? this.max_tokens ?? null;
  }

  protected override maxTokenFields(): string[] {
    return ['max_tokens', 'max_completion_tokens'];
  }
}
