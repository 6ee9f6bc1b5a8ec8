import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentCaller, type Caller } from '../auth/caller.js';
import { requestIdFrom } from '../common/request-id.js';
import { CreateJobDto } from './dto/create-job.dto.js';
import type { JobAcceptedDto } from './dto/job-accepted.dto.js';
import type { JobCancellingDto } from './dto/job-cancelling.dto.js';
import type { JobViewDto } from './dto/job-view.dto.js';
import type { SubmitJobsResultDto } from './dto/submit-jobs-result.dto.js';
import { SubmitJobsDto } from './dto/submit-jobs.dto.js';
import { formatServerSentEvent, JobEventsService } from './job-events.service.js';
import { JobsService } from './jobs.service.js';

const STREAM_ID = /^\d+-\d+$/;

@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly events: JobEventsService,
  ) {}

  /**
   * Accepts an inference request and queues it (202); 400 lists every bad field, 404 an unknown
   * model. A retry with the same `Idempotency-Key` answers the first request's job.
   */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async create(
    @Body() body: CreateJobDto,
    @Headers('x-request-id') requestIdHeader: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobAcceptedDto> {
    const requestId = requestIdFrom(requestIdHeader);
    const { replayed, ...accepted } = await this.jobs.submit(
      body,
      requestId,
      caller,
      idempotencyKey,
    );
    response.setHeader('x-request-id', requestId);
    response.setHeader('location', accepted.links.self);
    if (replayed) response.setHeader('idempotent-replayed', 'true');
    return accepted;
  }

  /**
   * Accepts many requests at once (202): each item is validated on its own and answered in order
   * with its job or the reason it was refused; the accepted ones are enqueued together. A retry
   * with the same `Idempotency-Key` adds nothing and answers the same job ids.
   */
  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  async createMany(
    @Body() body: SubmitJobsDto,
    @Headers('x-request-id') requestIdHeader: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SubmitJobsResultDto> {
    const requestId = requestIdFrom(requestIdHeader);
    response.setHeader('x-request-id', requestId);
    return this.jobs.submitMany(body.jobs, requestId, caller, idempotencyKey);
  }

  /** The job's state, phase, output so far or result, timings and why it waits. */
  @Get(':id')
  get(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<JobViewDto> {
    return this.jobs.get(id, caller);
  }

  /** Cancels a job: 200 with the view when it was still queued, 202 when it is being stopped. */
  @Delete(':id')
  async cancel(
    @Param('id') id: string,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobViewDto | JobCancellingDto> {
    const outcome = await this.jobs.cancel(id, caller);
    response.status(outcome.status);
    return outcome.body;
  }

  /**
   * Server-sent events: the job's phases and tokens from the start (or after Last-Event-ID),
   * then live, and a final `end` with the job view.
   */
  @Get(':id/events')
  async streamEvents(
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentCaller() caller: Caller,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.jobs.get(id, caller);
    response.status(200);
    response.setHeader('content-type', 'text/event-stream; charset=utf-8');
    response.setHeader('cache-control', 'no-cache, no-transform');
    response.setHeader('connection', 'keep-alive');
    // Proxies such as nginx would otherwise buffer the stream.
    response.setHeader('x-accel-buffering', 'no');
    response.flushHeaders();
    const disconnected = new AbortController();
    response.on('close', () => disconnected.abort());
    request.socket.setNoDelay(true);
    const after = lastEventId && STREAM_ID.test(lastEventId) ? lastEventId : '0';
    for await (const event of this.events.follow(id, after, disconnected.signal)) {
      if (disconnected.signal.aborted) break;
      response.write(formatServerSentEvent(event));
    }
    response.end();
  }
}
