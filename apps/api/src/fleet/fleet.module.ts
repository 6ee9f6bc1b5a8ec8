import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { WorkersModule } from '../workers/workers.module.js';
import { FleetController } from './fleet.controller.js';
import { FleetService } from './fleet.service.js';

/** GET /v1/fleet; create-api-app mounts the page itself (/fleet) beside Bull Board. */
@Module({
  imports: [WorkersModule, JobsModule],
  controllers: [FleetController],
  providers: [FleetService],
})
export class FleetModule {}
