import { SYSTEM_CALLER, type Caller } from '../auth/caller.js';
import { Injectable, NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import { OpenAiException } from '../common/openai-error.js';
import type { JobViewDto, UsageDto } from '../jobs/dto/job-view.dto.js';
import type { TokenEventDto } from '../jobs/dto/server-sent-event.dto.js';
import type { InferenceRequest } from '../jobs/inference-request.js';
import { JobEventsService } from '../jobs/job-events.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { OpenAiUsageDto } from './dto/openai-completion.dto.js';
import { completionFailure, failureException } from './openai-failure.js';
import {
  completionId,
  toChunk,
  toCompletionBody,
  type ChunkHeader,
  type CompletionKind,
} from './openai-response.mapper.js';

/** How one OpenAI-compatible request is answered. */
export interface CompletionOptions {
  stream: boolean;
  includeUsage: boolean;
  requestId: string;
  /** Who asked: the job belongs to its tenant. */
  caller: Caller;
}

/** The header naming the job behind an OpenAI-compatible answer (for the native api). */
export const JOB_ID_HEADER = 'x-switchyard-job-id';

/**
 * Runs chat and text completions as jobs: submits through JobsService, waits for the result or
 * streams the job's tokens (JobEventsService) as OpenAI chunks, and cancels the job when the
 * client goes away before the answer is complete.
 */
@Injectable()
export class OpenAiCompletionsService {
  constructor(
    private readonly jobs: JobsService,
    private readonly events: JobEventsService,
  ) {}

  /** Submits `request` and answers on `response`, as one JSON body or as server-sent chunks. */
  async respond(
    kind: CompletionKind,
    request: InferenceRequest,
    options: CompletionOptions,
    response: Response,
  ): Promise<void> {
    const jobId = await this.submit(request, options.requestId, options.caller);
    const created = Math.floor(Date.now() / 1000);
    response.setHeader('x-request-id', options.requestId);
    response.setHeader(JOB_ID_HEADER, jobId);
    const disconnected = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) disconnected.abort();
    });
    disconnected.signal.addEventListener('abort', () => void this.cancel(jobId), { once: true });
    // The client may have gone while the job was being submitted.
    if (response.socket === null || response.socket.destroyed) disconnected.abort();
    const header: ChunkHeader = {
      id: completionId(kind, jobId),
      created,
      model: request.model,
      includeUsage: options.includeUsage,
    };
    if (options.stream) await this.stream(kind, jobId, header, response, disconnected.signal);
    else await this.answer(kind, jobId, header, response, disconnected.signal);
  }

  private async submit(
    request: InferenceRequest,
    requestId: string,
    caller: Caller,
  ): Promise<string> {
    try {
      return (await this.jobs.submit(request, requestId, caller)).id;
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
      throw new OpenAiException(404, (error as Error).message, {
        param: 'model',
        code: 'model_not_found',
      });
    }
  }

  /** Waits for the job's end and answers with the whole completion. */
  private async answer(
    kind: CompletionKind,
    jobId: string,
    header: ChunkHeader,
    response: Response,
    signal: AbortSignal,
  ): Promise<void> {
    let view: JobViewDto | undefined;
    for await (const event of this.events.follow(jobId, '0', signal)) {
      if (event.event === 'end') view = event.data as JobViewDto;
      if (event.event === 'error') break;
    }
    if (signal.aborted) return;
    if (!view) throw vanished(jobId);
    if (view.state !== 'completed') {
      throw failureException(completionFailure(view.state, view.error, jobId));
    }
    response.status(200).json(
      toCompletionBody(kind, {
        id: header.id,
        created: header.created,
        model: header.model,
        text: view.output ?? '',
        finishReason: view.finish_reason ?? 'stop',
        usage: openAiUsage(view.usage),
      }),
    );
  }

  /** Streams the job's tokens as chunks, then the finish chunk, the usage chunk and `[DONE]`. */
  private async stream(
    kind: CompletionKind,
    jobId: string,
    header: ChunkHeader,
    response: Response,
    signal: AbortSignal,
  ): Promise<void> {
    response.status(200);
    response.setHeader('content-type', 'text/event-stream; charset=utf-8');
    response.setHeader('cache-control', 'no-cache, no-transform');
    response.setHeader('connection', 'keep-alive');
    response.setHeader('x-accel-buffering', 'no');
    response.flushHeaders();
    response.socket?.setNoDelay(true);
    const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
    if (kind === 'chat') send(toChunk(kind, header, { first: true }));
    for await (const event of this.events.follow(jobId, '0', signal)) {
      if (signal.aborted) return;
      if (event.comment !== undefined) {
        response.write(`: ${event.comment}\n\n`);
      } else if (event.event === 'token') {
        const token = event.data as TokenEventDto;
        if (token.text !== '') send(toChunk(kind, header, { text: token.text }));
      } else if (event.event === 'end') {
        const view = event.data as JobViewDto;
        if (view.state === 'completed') {
          send(toChunk(kind, header, { finishReason: view.finish_reason ?? 'stop' }));
          if (header.includeUsage) send(toChunk(kind, header, { usage: openAiUsage(view.usage) }));
        } else {
          send({ error: completionFailure(view.state, view.error, jobId).error });
        }
        break;
      } else if (event.event === 'error') {
        send({ error: completionFailure('failed', 'the job vanished', jobId).error });
        break;
      }
    }
    if (signal.aborted) return;
    response.write('data: [DONE]\n\n');
    response.end();
  }

  private async cancel(jobId: string): Promise<void> {
    // A job that finished meanwhile answers 409, one removed already 404: nothing to do then.
    await this.jobs.cancel(jobId, SYSTEM_CALLER).catch(() => undefined);
  }
}

function openAiUsage(usage: UsageDto | null): OpenAiUsageDto {
  const prompt = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage?.total_tokens ?? prompt + completion,
  };
}

function vanished(jobId: string): OpenAiException {
  return new OpenAiException(500, `the request's job ${jobId} vanished before it finished`);
}
