import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  ValidationError,
} from 'class-validator';
import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import type { EnvLimited } from '../../common/env-limited.js';
import type { ApiEnv } from '../../config/api-env.js';
import { IsStopSequences } from '../../jobs/dto/is-stop-sequences.validator.js';
import { MAX_STOP_SEQUENCES } from '../../jobs/dto/create-job.dto.js';
import { OnlyValues } from './only-values.validator.js';
import { RequiresStream } from './requires-stream.validator.js';
import { StreamOptionsDto } from './stream-options.dto.js';

/**
 * What chat and text completion requests share: OpenAI's sampling fields (null = left out, as
 * OpenAI reads it), the fields this server accepts only at their neutral value, and Switchyard's
 * `priority`. Any other field is refused, as OpenAI refuses an unrecognized argument.
 */
export abstract class OpenAiRequestDto implements EnvLimited {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  @ApiProperty({ example: 'synth-5m', maxLength: 256 })
  model: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @ApiPropertyOptional({ type: 'integer', minimum: 1, nullable: true })
  max_tokens?: number | null;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  @ApiPropertyOptional({ type: Number, minimum: 0, maximum: 2, nullable: true })
  temperature?: number | null;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(Number.MIN_VALUE, { message: 'top_p must be greater than 0' })
  @Max(1)
  @ApiPropertyOptional({
    type: Number,
    minimum: 0,
    exclusiveMinimum: true,
    maximum: 1,
    nullable: true,
  })
  top_p?: number | null;

  @IsOptional()
  @IsInt()
  @ApiPropertyOptional({ type: 'integer', nullable: true })
  seed?: number | null;

  @IsOptional()
  @IsStopSequences(MAX_STOP_SEQUENCES)
  @ApiPropertyOptional({
    oneOf: [
      { type: 'string' },
      { type: 'array', items: { type: 'string' }, maxItems: MAX_STOP_SEQUENCES },
    ],
    nullable: true,
  })
  stop?: string | string[] | null;

  @IsOptional()
  @IsBoolean()
  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: 'Answer with server-sent chunks',
  })
  stream?: boolean | null;

  @IsOptional()
  @RequiresStream()
  @IsObject()
  @ValidateNested()
  @Type(() => StreamOptionsDto)
  @ApiPropertyOptional({
    type: () => StreamOptionsDto,
    nullable: true,
    description: 'Only with stream: true',
  })
  stream_options?: StreamOptionsDto | null;

  /** An end-user id for abuse tracking at OpenAI; accepted and ignored. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Accepted and ignored' })
  user?: string | null;

  /** Switchyard: the job's class (default interactive); the `x-switchyard-priority` header too. */
  @IsOptional()
  @IsIn(PRIORITY_CLASSES)
  @ApiPropertyOptional({
    enum: PRIORITY_CLASSES,
    nullable: true,
    description:
      'Switchyard: the job class (default interactive; or the x-switchyard-priority header)',
  })
  priority?: PriorityClass | null;

  @OnlyValues([1], 'is not supported (one choice per request)')
  @ApiPropertyOptional({ enum: [1], nullable: true, description: 'Only 1' })
  n?: number | null;

  @OnlyValues([0], 'is not supported')
  @ApiPropertyOptional({ enum: [0], nullable: true, description: 'Only 0' })
  frequency_penalty?: number | null;

  @OnlyValues([0], 'is not supported')
  @ApiPropertyOptional({ enum: [0], nullable: true, description: 'Only 0' })
  presence_penalty?: number | null;

  @OnlyValues([{}], 'is not supported')
  @ApiPropertyOptional({ type: Object, nullable: true, description: 'Only {}' })
  logit_bias?: Record<string, number> | null;

  /** OpenAI's processing tier; accepted and ignored (use `priority`). */
  @IsOptional()
  @IsString()
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Accepted and ignored (use priority)',
  })
  service_tier?: string | null;

  /** Stored-completion options at OpenAI; accepted and ignored. */
  @IsOptional()
  @IsBoolean()
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'Accepted and ignored' })
  store?: boolean | null;

  @IsOptional()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  metadata?: Record<string, string> | null;

  /** The `max_tokens` asked for (null when left out). */
  abstract requestedMaxTokens(): number | null;

  /** Rejects a token limit above MAX_TOKENS_LIMIT or what a model's context can hold. */
  checkLimits(env: ApiEnv): ValidationError[] {
    const limit = Math.min(env.MAX_TOKENS_LIMIT, env.CONTEXT_SIZE - 1);
    return this.maxTokenFields()
      .filter((field) => {
        const value = (this as unknown as Record<string, unknown>)[field];
        return Number.isInteger(value) && (value as number) > limit;
      })
      .map((field) => {
        const error = new ValidationError();
        error.property = field;
        error.value = (this as unknown as Record<string, unknown>)[field];
        error.constraints = {
          max:
            limit < env.MAX_TOKENS_LIMIT
              ? `${field} must not be greater than ${limit} (models are loaded with a ${env.CONTEXT_SIZE}-token context, prompt included)`
              : `${field} must not be greater than ${limit}`,
        };
        error.children = [];
        return error;
      });
  }

  /** The fields that bound the completion's length. */
  protected maxTokenFields(): string[] {
    return ['max_tokens'];
  }
}
