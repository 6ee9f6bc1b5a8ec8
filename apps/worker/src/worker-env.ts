import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CommonEnv } from '#switchyard/contracts';

/** A worker's settings, validated at start-up. */
export class WorkerEnv extends CommonEnv {
  /** This worker's id (default: host-pid-random; a restarted worker is a new worker). */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'WORKER_ID may only hold letters, digits, _ . : -' })
  WORKER_ID?: string;

  /** CPU threads for inference; 0 = physical cores minus one (at least one), see the engine's EngineOptions. */
  @IsInt()
  @Min(0)
  @Max(1024)
  WORKER_THREADS = 0;

  /** GPU backend: auto, cuda, vulkan, metal, or false for CPU only. */
  @IsIn(['auto', 'cuda', 'vulkan', 'metal', 'false'], {
    message: 'WORKER_GPU must be one of auto, cuda, vulkan, metal, false',
  })
  WORKER_GPU = 'auto';

  /** Memory the worker may fill with models: 'auto' (free device memory minus a margin) or a size like 8GiB, 512MiB, 1000000. */
  @IsString()
  @Matches(/^(auto|\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?)$/i, {
    message:
      'WORKER_MEMORY_BUDGET must be auto or a size such as 8GiB, 512MiB or a number of bytes',
  })
  WORKER_MEMORY_BUDGET = 'auto';

  /** Parallel sequences per loaded model. */
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_SLOTS = 2;

  /** Jobs running at once on this worker, all models together; 0 = WORKER_SLOTS. */
  @IsInt()
  @Min(0)
  @Max(256)
  WORKER_MAX_JOBS = 0;

  /** Heartbeat period (ms). */
  @IsInt()
  @Min(100)
  HEARTBEAT_MS = 1000;

  /** The worker counts as gone this long after its last heartbeat (ms). */
  @IsInt()
  @Min(500)
  WORKER_TTL_MS = 5000;

  /** BullMQ lock of a running job, renewed every third of it (ms); must match the scheduler's. */
  @IsInt()
  @Min(1000)
  JOB_LOCK_MS = 30_000;

  /**
   * On drain or SIGTERM, running jobs get this long to finish (ms); the rest stop at the next token,
   * save a checkpoint and go back to the queue for another worker.
   */
  @IsInt()
  @Min(0)
  WORKER_DRAIN_TIMEOUT_MS = 10_000;

  /** Prompt tokens evaluated per chunk: a cancel is honoured within one chunk. */
  @IsInt()
  @Min(1)
  PROMPT_CHUNK_TOKENS = 64;

  /**
   * Where this worker keeps the KV state of jobs it preempted, for an in-place resume (a folder
   * per worker id is made inside it and emptied at start-up); default: switchyard-kv in the OS tmp dir.
   */
  @IsOptional()
  @IsString()
  WORKER_STATE_DIR?: string;

  /** Disk the kept KV states may use, oldest evicted first: a size like 2GiB, 0 = keep none (always recompute). */
  @IsString()
  @Matches(/^\d+(\.\d+)?\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$/i, {
    message: 'WORKER_KV_STATE_MAX_BYTES must be a size such as 2GiB, 512MiB or a number of bytes',
  })
  WORKER_KV_STATE_MAX_BYTES = '2GiB';

  /** A checkpoint (tokens so far) is saved into the job every this many tokens. */
  @IsInt()
  @Min(1)
  CHECKPOINT_EVERY_TOKENS = 16;

  /** Port of the Prometheus /metrics endpoint (0 = off, the default: several workers on one host each need their own). */
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 0;

  /** Interface the metrics port listens on. */
  @IsString()
  METRICS_HOST = '0.0.0.0';
}
