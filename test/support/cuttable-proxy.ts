import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './fleet-harness.js';

/**
 * A TCP proxy in front of Redis for one process, which a test can cut (every connection dropped,
 * new ones refused) and restore: the process loses Redis as on a network partition.
 */
export class CuttableProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly targetPort: number) {}

  /** redis://127.0.0.1:<proxy port> */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts accepting connections (on the same port again after a cut). */
  async open(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    return this;
  }

  /** Drops every connection and refuses new ones until `open` is called again. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
