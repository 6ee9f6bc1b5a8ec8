import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { MetricsEndpoint } from '#switchyard/metrics';
import { SchedulerEnv } from './scheduler-env.js';
import { SchedulerMetrics } from './scheduler-metrics.js';
import { SchedulerService } from './scheduler.service.js';

/** The scheduler process: one service that leads or stands by, and its metrics on a port. */
@Module({})
export class SchedulerModule {
  /** Builds the module around a validated environment. */
  static forEnv(env: SchedulerEnv): DynamicModule {
    return {
      module: SchedulerModule,
      providers: [
        { provide: SchedulerEnv, useValue: env },
        { provide: SchedulerMetrics, useValue: new SchedulerMetrics(env.policySettings()) },
        SchedulerService,
        {
          provide: MetricsEndpoint,
          useFactory: (metrics: SchedulerMetrics) =>
            new MetricsEndpoint(
              metrics.registry,
              env.METRICS_PORT,
              env.METRICS_HOST,
              new Logger('Metrics'),
            ),
          inject: [SchedulerMetrics],
        },
      ],
    };
  }
}
