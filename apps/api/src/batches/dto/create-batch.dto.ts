import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { BATCH_ENDPOINTS, type BatchEndpoint } from './batch-object.dto.js';
import { IsBatchMetadata } from './is-batch-metadata.validator.js';

/** `completion_window`: OpenAI's `24h`, or any whole number of minutes, hours or days up to 7d. */
export const COMPLETION_WINDOW = /^([1-9]\d{0,4})(m|h|d)$/;

/** The most a completion window may be. */
const MAX_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** The window in milliseconds, or undefined when it is malformed or longer than 7 days. */
export function completionWindowMs(window: string): number | undefined {
  const match = COMPLETION_WINDOW.exec(window);
  if (!match) return undefined;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  return ms <= MAX_WINDOW_MS ? ms : undefined;
}

/** The body of `POST /v1/batches`. */
export class CreateBatchDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @ApiProperty({ example: 'file-abc123', maxLength: 128 })
  input_file_id: string;

  @IsIn(BATCH_ENDPOINTS, {
    message: `endpoint must be one of ${BATCH_ENDPOINTS.join(', ')} (embeddings and responses are not served)`,
  })
  @ApiProperty({ enum: BATCH_ENDPOINTS })
  endpoint: BatchEndpoint;

  @IsString()
  @Matches(COMPLETION_WINDOW, {
    message: 'completion_window must be 24h (or a duration such as 30m, 2h, 1d; at most 7d)',
  })
  @ApiProperty({
    example: '24h',
    pattern: COMPLETION_WINDOW.source,
    description: '24h, or 30m, 2h, 1d … up to 7d',
  })
  completion_window: string;

  @IsOptional()
  @IsBatchMetadata()
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  metadata?: Record<string, string> | null;
}
