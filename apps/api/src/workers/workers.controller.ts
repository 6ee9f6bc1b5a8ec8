import { Controller, Get } from '@nestjs/common';
import type { FleetViewDto } from './dto/fleet-view.dto.js';
import { WorkersService } from './workers.service.js';

@Controller('v1/workers')
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  /** Live workers (device, memory budget and use, loaded models, running jobs) and the scheduler. */
  @Get()
  list(): Promise<FleetViewDto> {
    return this.workers.fleet();
  }
}
