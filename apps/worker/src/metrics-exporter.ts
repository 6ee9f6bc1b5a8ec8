import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { MetricsServer } from '#switchyard/metrics';
import { WorkerEnv } from './worker-env.js';
import { WorkerMetrics } from './worker-metrics.js';

/** Serves a worker's metrics on METRICS_HOST:METRICS_PORT (0 = off). */
@Injectable()
export class MetricsExporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly server: MetricsServer;

  constructor(
    @Inject(WorkerEnv) private readonly env: WorkerEnv,
    @Inject(WorkerMetrics) metrics: WorkerMetrics,
  ) {
    this.server = new MetricsServer(metrics.registry, (error) =>
      this.logger.warn(`metrics not served on port ${env.METRICS_PORT}: ${error.message}`),
    );
  }

  /** Starts listening; a taken port is logged, not fatal. */
  async onApplicationBootstrap(): Promise<void> {
    const port = await this.server.start(this.env.METRICS_PORT, this.env.METRICS_HOST);
    if (port) this.logger.log(`metrics on http://${this.env.METRICS_HOST}:${port}/metrics`);
  }

  /** Stops listening. */
  async onApplicationShutdown(): Promise<void> {
    await this.server.stop();
  }
}
