import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import { CommonEnv } from '#switchyard/contracts';

/** The api's settings, read and validated once at start-up. */
export class ApiEnv extends CommonEnv {
  /** TCP port the HTTP server listens on (0 picks a free one). */
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Interface the HTTP server binds to. */
  @IsString()
  @MinLength(1)
  HOST: string = '0.0.0.0';

  /** The largest `max_tokens` a request may ask for. */
  @IsInt()
  @Min(1)
  MAX_TOKENS_LIMIT: number = 4096;

  /** How long finished jobs (completed, failed, cancelled) stay readable, in seconds. */
  @IsInt()
  @Min(1)
  JOB_RETENTION_SECONDS: number = 86400;
}
