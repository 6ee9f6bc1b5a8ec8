import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsMessageContent, type ContentPart } from './is-message-content.validator.js';
import { OnlyValues } from './only-values.validator.js';

/** The roles of OpenAI chat messages this server takes (no tool calling). */
export const OPENAI_CHAT_ROLES = ['system', 'developer', 'user', 'assistant'] as const;

/** One message of a chat completion request. */
export class OpenAiChatMessageDto {
  @IsIn(OPENAI_CHAT_ROLES, {
    message: `role must be one of ${OPENAI_CHAT_ROLES.join(', ')} (tool calling is not supported)`,
  })
  @ApiProperty({ enum: OPENAI_CHAT_ROLES })
  role: (typeof OPENAI_CHAT_ROLES)[number];

  @IsMessageContent()
  @ApiProperty({
    oneOf: [
      { type: 'string' },
      {
        type: 'array',
        items: {
          type: 'object',
          properties: { type: { type: 'string', enum: ['text'] }, text: { type: 'string' } },
        },
      },
    ],
    example: 'Hello',
  })
  content: string | ContentPart[];

  /** A participant name; accepted and ignored. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 256 })
  name?: string | null;

  /** Present on assistant messages echoed back from a response; ignored. */
  @IsOptional()
  @IsString()
  @ApiPropertyOptional({ type: String, nullable: true })
  refusal?: string | null;

  /** Present on assistant messages echoed back from a response; ignored. */
  @IsOptional()
  @IsArray()
  @ApiPropertyOptional({ type: 'array', nullable: true })
  annotations?: unknown[] | null;

  @OnlyValues([[]], 'is not supported (tool calling)')
  @ApiPropertyOptional({ type: 'array', maxItems: 0, nullable: true, description: 'Not supported' })
  tool_calls?: unknown[] | null;
}
