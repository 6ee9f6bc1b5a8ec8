import { IsInt, IsOptional, IsString, Matches, Min } from 'class-validator';

/** Settings every process reads: where Redis is, which fleet (key prefix), where models live. */
export class CommonEnv {
  /** Redis connection URL. */
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key (and BullMQ's prefix): one fleet per prefix. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]+$/, {
    message: 'SWITCHYARD_PREFIX may only hold letters, digits, _ . -',
  })
  SWITCHYARD_PREFIX = 'sy';

  /** Folder scanned for *.gguf models (the model registry). */
  @IsString()
  MODELS_DIR = './models';

  /** Optional JSON manifest naming models stored elsewhere. */
  @IsOptional()
  @IsString()
  MODELS_MANIFEST?: string;

  /** Context size (tokens) every model is loaded with, fleet-wide. */
  @IsInt()
  @Min(128)
  CONTEXT_SIZE = 2048;

  /** Log level: error, warn, log, debug, verbose. */
  @IsString()
  @Matches(/^(error|warn|log|debug|verbose)$/, {
    message: 'LOG_LEVEL must be one of error, warn, log, debug, verbose',
  })
  LOG_LEVEL = 'log';

  /** `text` (readable lines, for development) or `json` (one JSON object per line, through pino). */
  @IsString()
  @Matches(/^(text|json)$/, { message: 'LOG_FORMAT must be text or json' })
  LOG_FORMAT = 'text';
}
