import { Module, type DynamicModule } from '@nestjs/common';
import { MetricsExporter } from './metrics-exporter.js';
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
        MetricsExporter,
      ],
    };
  }
}
