import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

/** `stream_options` of a streaming request. */
export class StreamOptionsDto {
  /** Send a last chunk with the request's token usage (and `usage: null` on every other chunk). */
  @IsOptional()
  @IsBoolean()
  @ApiPropertyOptional({ type: Boolean, nullable: true })
  include_usage?: boolean | null;

  /** OpenAI pads chunks against side channels when true; accepted and ignored here. */
  @IsOptional()
  @IsBoolean()
  @ApiPropertyOptional({ type: Boolean, nullable: true })
  include_obfuscation?: boolean | null;
}
