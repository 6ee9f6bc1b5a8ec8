import { Inject, Injectable } from '@nestjs/common';
import { BULL_PRIORITY, PRIORITY_CLASSES } from '#switchyard/contracts';
import type { JobsQueue } from '#switchyard/fleet';
import { createProcessRegistry } from '#switchyard/metrics';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { JOBS_QUEUE_TOKEN } from '../core/tokens.js';

// The job states BullMQ counts, as the gauge shows them.
const QUEUE_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'completed',
  'failed',
] as const;

/**
 * The api's Prometheus series: HTTP requests by route and status, and the queue read from
 * BullMQ at each scrape (jobs waiting per class, jobs per state).
 */
@Injectable()
export class ApiMetrics {
  readonly registry: Registry = createProcessRegistry('api');
  private readonly requests = new Counter({
    name: 'switchyard_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'switchyard_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (an event stream counts until it ends)',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });

  constructor(@Inject(JOBS_QUEUE_TOKEN) private readonly queue: JobsQueue) {
    const perClass: Gauge<'class'> = new Gauge({
      name: 'switchyard_queue_jobs',
      help: 'Jobs waiting in the queue per class, not yet taken into the scheduler window (add switchyard_scheduler_window_jobs for the whole backlog)',
      labelNames: ['class'],
      registers: [this.registry],
      collect: async () => {
        const counts = await this.queue.getCountsPerPriority(
          PRIORITY_CLASSES.map((c) => BULL_PRIORITY[c]),
        );
        for (const c of PRIORITY_CLASSES) {
          perClass.labels({ class: c }).set(counts[BULL_PRIORITY[c]] ?? 0);
        }
      },
    });
    const perState: Gauge<'state'> = new Gauge({
      name: 'switchyard_queue_state_jobs',
      help: 'Jobs in the queue per BullMQ state (completed and failed ones until their retention ends)',
      labelNames: ['state'],
      registers: [this.registry],
      collect: async () => {
        const counts = await this.queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) perState.labels({ state }).set(counts[state] ?? 0);
      },
    });
  }

  /** Express middleware counting each answered request under its route pattern (bounded labels). */
  middleware(): (request: Request, response: Response, next: NextFunction) => void {
    return (request, response, next) => {
      const stop = this.durations.startTimer();
      response.once('finish', () => {
        const pattern = (request.route as { path?: string } | undefined)?.path;
        const route = pattern ? `${request.baseUrl}${pattern}` : 'unmatched';
        const method = request.method;
        this.requests.labels({ method, route, status: String(response.statusCode) }).inc();
        stop({ method, route });
      });
      next();
    };
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
