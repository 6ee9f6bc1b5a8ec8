import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import { BatchesModule } from './batches/batches.module.js';
import { ApiEnv } from './config/api-env.js';
import { CoreModule } from './core/core.module.js';
import { FilesModule } from './files/files.module.js';
import { FleetModule } from './fleet/fleet.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ModelsModule } from './models/models.module.js';
import { OpenAiModule } from './openai/openai.module.js';
import { WorkersModule } from './workers/workers.module.js';

/**
 * The api: jobs, models, workers, the fleet snapshot and health over the shared Redis core, and the
 * OpenAI-compatible completions, files and batches.
 */
@Module({})
export class AppModule {
  /** The module for one validated environment. */
  static forRoot(env: ApiEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(env),
        AuthModule,
        JobsModule,
        ModelsModule,
        WorkersModule,
        FleetModule,
        HealthModule,
        OpenAiModule,
        FilesModule,
        BatchesModule,
        MetricsModule,
      ],
    };
  }
}
