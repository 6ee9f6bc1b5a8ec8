import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { RequiresScope } from '../auth/api-key.guard.js';
import type { FleetViewDto } from './dto/fleet-view.dto.js';
import { WorkersService } from './workers.service.js';

/** The fleet's workers; operating it needs the admin scope. */
@RequiresScope('admin')
@Controller('v1/workers')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  /** Live workers (device, memory budget and use, loaded models, running jobs) and the scheduler. */
  @Get()
  list(): Promise<FleetViewDto> {
    return this.workers.fleet();
  }

  /** Drains a worker: no new jobs, running ones finish or go back to the queue, then it leaves. */
  @Post(':id/drain')
  @HttpCode(202)
  drain(@Param('id') id: string): Promise<{ id: string; state: 'draining' }> {
    return this.workers.drain(id);
  }
}
