import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * A tiny HTTP server answering GET /metrics with one registry, for the processes that have no
 * HTTP of their own (scheduler, workers). A port already taken is reported, never fatal:
 * metrics must not stop a scheduler or worker from working.
 */
export class MetricsServer {
  private server?: Server;

  constructor(
    private readonly registry: Registry,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Listens on `port` (0 = off); resolves with the bound port, or undefined when off or failed. */
  async start(port: number, host: string): Promise<number | undefined> {
    if (port <= 0) return undefined;
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('see /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': this.registry.contentType }).end(text);
        },
        (error: Error) => {
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`);
        },
      );
    });
    const bound = await new Promise<number | undefined>((resolve) => {
      server.once('error', (error) => {
        this.onError(error);
        resolve(undefined);
      });
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    });
    if (bound !== undefined) this.server = server;
    return bound;
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Where a MetricsEndpoint reports what it did. */
export interface MetricsLog {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * A process's MetricsServer on its METRICS_HOST:METRICS_PORT, started and stopped with the
 * process: it has the lifecycle methods Nest calls on a provider (the libs do not depend on Nest).
 */
export class MetricsEndpoint {
  private readonly server: MetricsServer;

  constructor(
    registry: Registry,
    private readonly port: number,
    private readonly host: string,
    private readonly logger: MetricsLog,
  ) {
    this.server = new MetricsServer(registry, (error) =>
      logger.warn(`metrics not served on port ${port}: ${error.message}`),
    );
  }

  /** Starts listening; a taken port is logged, not fatal. */
  async onApplicationBootstrap(): Promise<void> {
    const bound = await this.server.start(this.port, this.host);
    if (bound) this.logger.log(`metrics on http://${this.host}:${bound}/metrics`);
  }

  /** Stops listening. */
  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
