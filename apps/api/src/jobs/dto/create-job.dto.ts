import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  ValidationError,
} from 'class-validator';
import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import type { EnvLimited } from '../../common/env-limited.js';
import { OptionalField } from '../../common/optional-field.decorator.js';
import type { ApiEnv } from '../../config/api-env.js';
import { ChatMessageDto } from './chat-message.dto.js';
import { IsPrompt } from './is-prompt.validator.js';
import { IsStopSequences } from './is-stop-sequences.validator.js';

/** The most stop sequences a request may give. */
export const MAX_STOP_SEQUENCES = 4;

/** The body of `POST /v1/jobs`: one inference request, a prompt or a chat. */
export class CreateJobDto implements EnvLimited {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  @ApiProperty({
    description: 'A model the fleet serves (GET /v1/models)',
    example: 'synth-5m',
    maxLength: 256,
  })
  model: string;

  @IsPrompt()
  @ApiPropertyOptional({
    description: 'The prompt; give it or `messages`, not both',
    example: 'Write a haiku about queues.',
  })
  prompt?: string;

  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ChatMessageDto)
  @ApiPropertyOptional({
    type: () => [ChatMessageDto],
    description: 'A chat; give it or `prompt`, not both',
  })
  messages?: ChatMessageDto[];

  /** At most MAX_TOKENS_LIMIT, checked in checkLimits. */
  @OptionalField()
  @IsInt()
  @Min(1)
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    default: 128,
    description: 'At most MAX_TOKENS_LIMIT and the context size minus one',
  })
  max_tokens = 128;

  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 2, default: 0.8 })
  temperature = 0.8;

  /** In (0, 1]. */
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(Number.MIN_VALUE, { message: 'top_p must be greater than 0' })
  @Max(1)
  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true, maximum: 1 })
  top_p?: number;

  @OptionalField()
  @IsInt()
  @ApiPropertyOptional({ type: 'integer', description: 'Same seed, same model, same output' })
  seed?: number;

  @OptionalField()
  @IsStopSequences(MAX_STOP_SEQUENCES)
  @ApiPropertyOptional({
    oneOf: [
      { type: 'string' },
      { type: 'array', items: { type: 'string' }, maxItems: MAX_STOP_SEQUENCES },
    ],
    description: 'Generation stops before any of these',
  })
  stop?: string | string[];

  @OptionalField()
  @IsIn(PRIORITY_CLASSES)
  @ApiPropertyOptional({
    enum: PRIORITY_CLASSES,
    default: 'standard',
    description: 'The class: its SLA and its place in the queue',
  })
  priority: PriorityClass = 'standard';

  /** Rejects a `max_tokens` above the configured limit or what a model's context can hold. */
  checkLimits(env: ApiEnv): ValidationError[] {
    // The prompt shares the context with the output, so at most CONTEXT_SIZE - 1 tokens can come out.
    const limit = Math.min(env.MAX_TOKENS_LIMIT, env.CONTEXT_SIZE - 1);
    if (!Number.isInteger(this.max_tokens) || this.max_tokens <= limit) return [];
    const error = new ValidationError();
    error.property = 'max_tokens';
    error.value = this.max_tokens;
    error.constraints = {
      max:
        limit < env.MAX_TOKENS_LIMIT
          ? `max_tokens must not be greater than ${limit} (models are loaded with a ${env.CONTEXT_SIZE}-token context, prompt included)`
          : `max_tokens must not be greater than ${limit}`,
    };
    error.children = [];
    return [error];
  }
}
