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

  /**
   * Where uploaded and generated files (batch input, output and error files) are stored. Every api
   * replica must see the same folder (a shared volume): any replica may serve or finish a batch.
   */
  @IsString()
  @MinLength(1)
  FILES_DIR: string = './.switchyard/files';

  /** The largest file `POST /v1/files` accepts, in bytes (OpenAI's batch limit: 200 MB). */
  @IsInt()
  @Min(1)
  FILES_MAX_BYTES: number = 200 * 1024 * 1024;

  /** The most requests (lines) a batch input file may hold (OpenAI's limit: 50,000). */
  @IsInt()
  @Min(1)
  BATCH_MAX_LINES: number = 50_000;

  /** Lease of the batch tracker lock: another replica takes over this long after its holder dies. */
  @IsInt()
  @Min(1000)
  BATCH_TRACKER_LEASE_MS: number = 10_000;

  /**
   * API keys: `<key>@<tenant>:<scope>+<scope>` entries separated by `;` (scopes: submit, read,
   * admin). With neither this nor API_KEYS_FILE set, the api is open (and says so at start-up).
   */
  @IsString()
  API_KEYS: string = '';

  /** A JSON file of API keys: `[{"key": "...", "tenant": "...", "scopes": ["submit", "read"]}]`. */
  @IsString()
  API_KEYS_FILE: string = '';

  /** Origins browsers may call the api from: empty (default) for none, `*` for any, or a comma list. */
  @IsString()
  CORS_ORIGINS: string = '';

  /**
   * Requests one API key may make per minute, shared by every api replica (through Redis);
   * over it the api answers 429 with Retry-After. 0 (default) turns the limit off.
   */
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE: number = 0;

  /**
   * Unfinished jobs (queued or running) one tenant may have at once, across replicas; a
   * submission past it is a 429 and enqueues nothing. 0 (default) turns the cap off.
   */
  @IsInt()
  @Min(0)
  TENANT_MAX_QUEUED: number = 0;
}
