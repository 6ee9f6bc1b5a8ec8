import { Controller, Get, Header, Query } from '@nestjs/common';
import type { FleetSnapshot } from '#switchyard/contracts';
import { RequiresScope } from '../auth/api-key.guard.js';
import { FleetQueryDto } from './dto/fleet-query.dto.js';
import { FleetService } from './fleet.service.js';

/** The fleet page's data; like the workers' routes, it needs the admin scope. */
@RequiresScope('admin')
@Controller('v1/fleet')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  /** Workers, queue depth history, SLA attainment, latest decisions and waiting jobs. */
  @Get()
  @Header('cache-control', 'no-store')
  snapshot(@Query() query: FleetQueryDto): Promise<FleetSnapshot> {
    return this.fleet.snapshot(query.since);
  }
}
