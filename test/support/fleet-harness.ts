import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { JobData, PreemptionRecord, WorkerState } from '#switchyard/contracts';
import { deleteKeysUnder } from '#switchyard/fleet';

export type Role = 'api' | 'scheduler' | 'worker';

/** Options of a test fleet: environment shared by all its processes and per role. */
export interface FleetOptions {
  modelsDir: string;
  env?: Record<string, string>;
  workerEnv?: Record<string, string>;
  workers?: number;
  /** Leave the process logs on disk after stop() (their folder is `logDir`), for a post-mortem. */
  keepLogs?: boolean;
  /** A Redis of the test's own (a fault test restarts it); default REDIS_URL. */
  redisUrl?: string;
  /** Sent as `Authorization: Bearer` by request() (set API_KEYS in `env` to match). */
  apiKey?: string;
}

const FINISHED = ['completed', 'failed', 'cancelled'];

/** A polled thing reached a final state other than the one waited for. */
class UnexpectedStateError extends Error {}

/** The api's job view, as the tests read it. */
export interface JobView {
  id: string;
  state: string;
  phase: string;
  model: string;
  worker: string | null;
  output: string | null;
  finish_reason: string | null;
  usage: {
    prompt_tokens: number | null;
    completion_tokens: number | null;
    total_tokens: number | null;
  } | null;
  timings: Record<string, number> | null;
  submittedAt: number;
  resumes?: number | null;
  resumedFromToken?: number | null;
  preemptions?: PreemptionRecord[];
  error: string | null;
}

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * A real fleet for end-to-end tests: api, scheduler and workers as separate node processes on a
 * Redis key prefix of their own, with their logs kept in files and shown when a wait fails.
 */
export class FleetHarness {
  readonly prefix = `sy-test-${randomBytes(4).toString('hex')}`;
  readonly logDir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  readonly redis: Redis;
  readonly processes: { role: Role; child: ChildProcess; log: string }[] = [];
  readonly redisUrl: string;
  baseUrl = '';
  private port = 0;
  private counter = 0;

  constructor(private readonly options: FleetOptions) {
    this.redisUrl = options.redisUrl ?? REDIS_URL;
    this.redis = new Redis(this.redisUrl, { maxRetriesPerRequest: 3 });
  }

  /** Starts the api, the scheduler and the workers, and waits until a worker is registered. */
  async start(): Promise<this> {
    try {
      this.port = await freePort();
      this.baseUrl = `http://127.0.0.1:${this.port}`;
      this.spawn('api');
      this.spawn('scheduler');
      for (let i = 0; i < (this.options.workers ?? 1); i++) this.spawn('worker');
      await this.waitFor(
        'the api to answer',
        async () => (await fetch(`${this.baseUrl}/health`).catch(() => null))?.ok,
        // Nest's start takes seconds on a busy 2-core machine.
        60_000,
      );
      await this.waitForWorkers(this.options.workers ?? 1);
    } catch (error) {
      // The test's after() never sees a fleet that failed to start: stop what was spawned here
      // (the error already carries the logs' tails).
      await this.stop();
      throw error;
    }
    return this;
  }

  /** Starts one more process of a role. */
  spawn(role: Role, extraEnv: Record<string, string> = {}): ChildProcess {
    const script = fileURLToPath(new URL(`../../apps/${role}/src/main.js`, import.meta.url));
    const log = join(this.logDir, `${role}-${++this.counter}.log`);
    const env = {
      ...process.env,
      REDIS_URL: this.redisUrl,
      SWITCHYARD_PREFIX: this.prefix,
      MODELS_DIR: this.options.modelsDir,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'log',
      WORKER_THREADS: '1',
      HEARTBEAT_MS: '300',
      WORKER_TTL_MS: '2000',
      JOB_LOCK_MS: '4000',
      STALLED_INTERVAL_MS: '1500',
      LEADER_LEASE_MS: '3000',
      // Kept KV states live with the logs, and go with them.
      WORKER_STATE_DIR: join(this.logDir, 'kv'),
      // Tests that read metrics give their ports; the others run several fleets on one host.
      METRICS_PORT: '0',
      ...this.options.env,
      ...(role === 'worker' ? this.options.workerEnv : {}),
      ...extraEnv,
    };
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(log);
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    this.processes.push({ role, child, log });
    return child;
  }

  /** Live processes of a role. */
  live(role: Role): ChildProcess[] {
    return this.processes
      .filter((p) => p.role === role && p.child.exitCode === null && p.child.signalCode === null)
      .map((p) => p.child);
  }

  /** Waits until `count` workers have a heartbeat in Redis. */
  async waitForWorkers(count: number): Promise<void> {
    await this.waitFor(
      `${count} worker(s) to register`,
      async () => {
        const ids = await this.redis.smembers(`${this.prefix}:workers`);
        const alive = await Promise.all(
          ids.map((id) => this.redis.exists(`${this.prefix}:worker:${id}`)),
        );
        return alive.filter(Boolean).length >= count;
      },
      60_000,
    );
  }

  /** Calls the api and parses the JSON answer. */
  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Submits a job and returns its id (fails the test on anything but 202). */
  async submit(body: Record<string, unknown>): Promise<string> {
    const { status, body: answer } = await this.request('POST', '/v1/jobs', body);
    if (status !== 202) throw new Error(`submit answered ${status}: ${JSON.stringify(answer)}`);
    return answer.id as string;
  }

  /** Reads a job's view. */
  async job(id: string): Promise<JobView> {
    return (await this.request<JobView>('GET', `/v1/jobs/${id}`)).body;
  }

  /** A job's BullMQ data as stored (checkpoint included), or undefined when it is gone. */
  async jobData(id: string): Promise<JobData | undefined> {
    const data = await this.redis.hget(`${this.prefix}:jobs:${id}`, 'data');
    return data ? (JSON.parse(data) as JobData) : undefined;
  }

  /** A worker's last heartbeat, or undefined when it has none. */
  async workerState(id: string): Promise<WorkerState | undefined> {
    const state = await this.redis.get(`${this.prefix}:worker:${id}`);
    return state ? (JSON.parse(state) as WorkerState) : undefined;
  }

  /** Polls a job until `predicate` holds and returns its view. */
  async waitForJob(
    id: string,
    predicate: (job: JobView) => boolean,
    what: string,
    timeoutMs = 60_000,
  ): Promise<JobView> {
    let last: JobView | undefined;
    await this.waitFor(
      `job ${id} ${what}`,
      async () => {
        last = await this.job(id);
        if (predicate(last)) return true;
        // A finished job will not change any more: fail now instead of at the time-out.
        if (FINISHED.includes(last.state))
          throw new UnexpectedStateError(
            `job ${id} is ${last.state} before ${what}: ${JSON.stringify(last)}`,
          );
        return false;
      },
      timeoutMs,
      () => JSON.stringify(last),
    );
    return last!;
  }

  /** Waits until every job is finished (completed, failed or cancelled). */
  async waitForFinished(id: string, timeoutMs = 60_000): Promise<JobView> {
    return this.waitForJob(id, (j) => FINISHED.includes(j.state), 'to finish', timeoutMs);
  }

  /** Polls until `check` is true; on time-out throws with the tail of every process log. */
  async waitFor(
    what: string,
    check: () => Promise<unknown>,
    timeoutMs: number,
    detail?: () => string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const done = await check().catch((error: unknown) => {
        if (error instanceof UnexpectedStateError) throw error;
        return false;
      });
      if (done) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\nlast: ${detail()}` : ''}\n${this.logTails()}`,
    );
  }

  /** The last lines of every process log. */
  logTails(lines = 25): string {
    return this.processes
      .map((p) => {
        const text = readFileSync(p.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
        return `--- ${p.role} (pid ${p.child.pid}, exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'}) ---\n${text}`;
      })
      .join('\n');
  }

  /** Stops every process (SIGTERM, then SIGKILL), deletes the fleet's Redis keys and its logs. */
  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await deleteKeysUnder(this.redis, this.prefix);
    await this.redis.quit();
    if (!this.options.keepLogs) rmSync(this.logDir, { recursive: true, force: true });
  }
}

/** A TCP port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
