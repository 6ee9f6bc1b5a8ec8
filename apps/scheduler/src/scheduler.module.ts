import { Module, type DynamicModule } from '@nestjs/common';
import { SchedulerEnv } from './scheduler-env.js';
import { SchedulerService } from './scheduler.service.js';

/** The scheduler process: no HTTP, one service that leads or stands by. */
@Module({})
export class SchedulerModule {
  /** Builds the module around a validated environment. */
  static forEnv(env: SchedulerEnv): DynamicModule {
    return {
      module: SchedulerModule,
      providers: [{ provide: SchedulerEnv, useValue: env }, SchedulerService],
    };
  }
}
