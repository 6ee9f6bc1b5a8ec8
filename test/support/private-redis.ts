import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './fleet-harness.js';

/**
 * A redis-server of the test's own, with an append-only file (as docker-compose runs it), so a
 * test can stop and restart it on the same port and data.
 */
export class PrivateRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  port = 0;
  private child: ChildProcess | undefined;

  /** redis://127.0.0.1:<port> */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (on a free port the first time, on the same port after a stop). */
  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await answers(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`);
      await sleep(50);
    }
    return this;
  }

  /** Stops the server as a restart would (SIGTERM: it flushes its append-only file and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }

  /** Stops it and deletes its data. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.write('PING\r\n');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
    socket.once('error', () => resolve(false));
  });
}
