import { Module, type DynamicModule } from '@nestjs/common';
import { WorkerEnv } from './worker-env.js';
import { WorkerService } from './worker.service.js';

/** The worker process: no HTTP, one service bound to one device. */
@Module({})
export class WorkerModule {
  /** Builds the module around a validated environment. */
  static forEnv(env: WorkerEnv): DynamicModule {
    return {
      module: WorkerModule,
      providers: [{ provide: WorkerEnv, useValue: env }, WorkerService],
    };
  }
}
