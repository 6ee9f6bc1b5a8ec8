import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { MetricsEndpoint } from '#switchyard/metrics';
import { WorkerEnv } from './worker-env.js';
import { WorkerMetrics } from './worker-metrics.js';
import { WorkerService } from './worker.service.js';

/** The worker process: one service bound to one device, and its metrics on a port (off by default). */
@Module({})
export class WorkerModule {
  /** Builds the module around a validated environment. */
  static forEnv(env: WorkerEnv): DynamicModule {
    return {
      module: WorkerModule,
      providers: [
        { provide: WorkerEnv, useValue: env },
        { provide: WorkerMetrics, useValue: new WorkerMetrics() },
        WorkerService,
        {
          provide: MetricsEndpoint,
          useFactory: (metrics: WorkerMetrics) =>
            new MetricsEndpoint(
              metrics.registry,
              env.METRICS_PORT,
              env.METRICS_HOST,
              new Logger('Metrics'),
            ),
          inject: [WorkerMetrics],
        },
      ],
    };
  }
}
