import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/api-key.guard.js';
import { ApiMetrics } from './api-metrics.js';

/** Prometheus scrape endpoint; public like /health, so a scraper needs no API key. */
@Public()
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  /** The api's series in the Prometheus text format. */
  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics of the api (HTTP requests, queue depth per class)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4' })
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    const { contentType, text } = await this.metrics.scrape();
    response.type(contentType);
    return text;
  }
}
