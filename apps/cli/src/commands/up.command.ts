import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pingRedis } from '#switchyard/fleet';
import { ensureDefaultModel } from './make-model.command.js';

const ROLES = ['api', 'scheduler', 'worker'] as const;
const COLORS: Record<string, string> = { api: '36', scheduler: '35', worker: '33', redis: '32' };

/**
 * `switchyard up`: api + scheduler + one worker for this machine against REDIS_URL, starting a
 * private Redis when none answers and making the ~5 M model when no model exists. Ctrl-C stops all.
 */
export async function upCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { 'state-dir': { type: 'string', default: '.switchyard' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(
      'usage: switchyard up [--state-dir .switchyard]\n' +
        'Starts api, scheduler and one worker. Environment: see README (PORT, REDIS_URL, MODELS_DIR, ...).',
    );
    return;
  }
  const stateDir = resolve(values['state-dir']!);
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.REDIS_URL ||= 'redis://127.0.0.1:6379';
  env.MODELS_DIR ||= './models';
  env.PORT ||= '3000';
  const children: ChildProcess[] = [];

  const redis = await ensureRedis(env.REDIS_URL, stateDir);
  if (redis) children.push(redis);
  await ensureDefaultModel(env.MODELS_DIR, (msg) => log('cli', msg));

  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('cli', 'stopping…');
    const apps = children.filter((c) => c !== redis);
    await Promise.all(apps.map((c) => terminate(c, 15_000)));
    if (redis) await terminate(redis, 5_000);
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (const role of ROLES) {
    const script = fileURLToPath(new URL(`../../../${role}/src/main.js`, import.meta.url));
    const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    pipeWithPrefix(child, role);
    child.on('exit', (code, signal) => {
      if (stopping) return;
      log('cli', `${role} exited (${signal ?? code}); stopping everything`);
      void stopAll(1);
    });
    children.push(child);
  }
  const base = `http://127.0.0.1:${env.PORT}`;
  if (await waitForHealth(`${base}/health`, 60_000)) {
    log(
      'cli',
      `Switchyard is up on ${base} (Bull Board: ${base}/admin/queues). Try:\n` +
        `  curl -s ${base}/v1/jobs -H 'content-type: application/json' -d '{"model":"synth-5m","prompt":"Hello","max_tokens":32}'\n` +
        `  curl -s ${base}/v1/jobs/<id>\n` +
        'Ctrl-C stops everything.',
    );
  }
}

/** Makes sure Redis answers at `url`; starts a private one for a local URL when it does not. */
async function ensureRedis(url: string, stateDir: string): Promise<ChildProcess | undefined> {
  try {
    await pingRedis(url);
    log('cli', `using Redis at ${url}`);
    return undefined;
  } catch (error) {
    const parsed = new URL(url);
    const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
    const hasServer = spawnSync('redis-server', ['--version']).status === 0;
    if (!local || !hasServer) {
      throw new Error(
        `${(error as Error).message}\n` +
          (local
            ? 'No redis-server on the PATH to start one. Install Redis 7 (Debian/Ubuntu: apt-get install redis-server; ' +
              'macOS: brew install redis; or docker run -p 6379:6379 redis:7), or set REDIS_URL.'
            : 'Start that Redis, or point REDIS_URL at one that runs.'),
        { cause: error },
      );
    }
    const dir = resolve(stateDir, 'redis');
    mkdirSync(dir, { recursive: true });
    const port = parsed.port || '6379';
    log('cli', `no Redis at ${url}: starting a private one on port ${port} (data in ${dir})`);
    const child = spawn(
      'redis-server',
      [
        '--port',
        port,
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    pipeWithPrefix(child, 'redis');
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (
        await pingRedis(url).then(
          () => true,
          () => false,
        )
      )
        return child;
    }
    child.kill('SIGKILL');
    throw new Error(`the private Redis did not answer at ${url}`, { cause: error });
  }
}

/** Waits until the api answers and reports a scheduler leader and a worker. */
async function waitForHealth(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url)
      .then((r) => r.json() as Promise<{ status?: string }>)
      .then(
        (health) => health.status === 'ok',
        () => false,
      );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 300));
  }
  log(
    'cli',
    `the fleet was not healthy at ${url} within ${timeoutMs / 1000} s (see the logs above)`,
  );
  return false;
}

function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit();
    });
    child.kill('SIGTERM');
  });
}

function pipeWithPrefix(child: ChildProcess, role: string): void {
  const prefix = `\x1b[${COLORS[role] ?? '0'}m${role.padEnd(9)}\x1b[0m| `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
}

function log(role: string, message: string): void {
  const prefix = `\x1b[${COLORS[role] ?? '1'}m${role.padEnd(9)}\x1b[0m| `;
  for (const line of message.split('\n')) process.stdout.write(prefix + line + '\n');
}
