import { IsBoolean, IsOptional } from 'class-validator';

/** `stream_options` of a streaming request. */
export class StreamOptionsDto {
  /** Send a last chunk with the request's token usage (and `usage: null` on every other chunk). */
  @IsOptional()
  @IsBoolean()
  include_usage?: boolean | null;

  /** OpenAI pads chunks against side channels when true; accepted and ignored here. */
  @IsOptional()
  @IsBoolean()
  include_obfuscation?: boolean | null;
}
