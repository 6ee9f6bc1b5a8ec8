import { Module } from '@nestjs/common';
import { ApiMetrics } from './api-metrics.js';
import { MetricsController } from './metrics.controller.js';

/** GET /metrics, and the HTTP counters create-api-app mounts as middleware. */
@Module({
  controllers: [MetricsController],
  providers: [ApiMetrics],
  exports: [ApiMetrics],
})
export class MetricsModule {}
