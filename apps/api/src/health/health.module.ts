import { Module } from '@nestjs/common';
import { WorkersModule } from '../workers/workers.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Module({
  imports: [WorkersModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
