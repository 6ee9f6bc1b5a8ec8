import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedisKeys, type JobStreamEvent } from '#switchyard/contracts';
import { JobStream } from '#switchyard/fleet';
import type { JobViewDto } from './dto/job-view.dto.js';
import type { PhaseEventDto, ServerSentEvent, TokenEventDto } from './dto/server-sent-event.dto.js';
import { isFinished } from './job-view.mapper.js';
import { JobsService } from './jobs.service.js';

/** How long one read waits for new entries before the job's state is checked again. */
export const EVENTS_POLL_MS = 2000;

/** How often an idle event stream sends a keep-alive comment. */
const KEEP_ALIVE_MS = 15_000;

/** How long to wait for BullMQ to show a job finished once its stream says it ended. */
const END_SETTLE_MS = 1000;

/** A job's phases and tokens as server-sent events, replayed from its stream and followed live. */
@Injectable()
export class JobEventsService {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly jobs: JobsService,
  ) {}

  /**
   * Yields the job's stream entries after `afterId` ('0' = from the start), then follows it live
   * until its `end` entry, ending with `end` and the job view. Between entries the job's state is
   * checked every EVENTS_POLL_MS, so a finished job whose stream is gone ends too, and a job that
   * vanished ends with `error`. Reads on a connection of its own, closed when `signal` aborts.
   */
  async *follow(id: string, afterId: string, signal: AbortSignal): AsyncGenerator<ServerSentEvent> {
    const stream = new JobStream(this.redis, this.keys, id);
    const blocking = this.redis.duplicate({ connectionName: 'switchyard-api-events' });
    // A failed read rejects on its own; this only keeps ioredis from reporting it a second time.
    blocking.on('error', () => undefined);
    // Disconnecting rejects the pending blocking read at once.
    const stop = () => blocking.disconnect();
    signal.addEventListener('abort', stop, { once: true });
    let cursor = afterId;
    let lastSent = Date.now();
    try {
      let view = await this.jobs.find(id);
      while (!signal.aborted) {
        if (!view) {
          yield { event: 'error', data: { statusCode: 404, message: `job "${id}" not found` } };
          return;
        }
        const finished = isFinished(view.state);
        // Once the job is finished, take what is left in its stream without waiting.
        const entries = await stream.read(blocking, cursor, finished ? 1 : EVENTS_POLL_MS);
        for (const entry of entries) {
          cursor = entry.id;
          if (entry.message.type === 'end') {
            yield { event: 'end', id: entry.id, data: await this.finalView(id, view) };
            return;
          }
          yield toEvent(entry.id, entry.message);
        }
        if (entries.length > 0) {
          lastSent = Date.now();
          continue;
        }
        if (finished) {
          yield { event: 'end', data: view };
          return;
        }
        if (Date.now() - lastSent >= KEEP_ALIVE_MS) {
          yield { comment: 'keep-alive' };
          lastSent = Date.now();
        }
        view = await this.jobs.find(id);
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      signal.removeEventListener('abort', stop);
      blocking.disconnect();
    }
  }

  /** The view after an `end` entry: BullMQ may show the finish a moment after the stream. */
  private async finalView(id: string, last: JobViewDto): Promise<JobViewDto> {
    const deadline = Date.now() + END_SETTLE_MS;
    let view = (await this.jobs.find(id)) ?? last;
    while (!isFinished(view.state) && Date.now() < deadline) {
      await sleep(50);
      view = (await this.jobs.find(id)) ?? view;
    }
    return view;
  }
}

function toEvent(id: string, message: Exclude<JobStreamEvent, { type: 'end' }>): ServerSentEvent {
  switch (message.type) {
    case 'phase':
      return {
        event: 'phase',
        id,
        data: {
          phase: message.phase,
          worker: message.workerId ?? null,
          at: message.at,
        } satisfies PhaseEventDto,
      };
    default:
      return {
        event: 'token',
        id,
        data: {
          text: message.text,
          completion_tokens: message.completionTokens,
        } satisfies TokenEventDto,
      };
  }
}

/** Writes one event in the text/event-stream format. */
export function formatServerSentEvent(event: ServerSentEvent): string {
  if (event.comment !== undefined) return `: ${event.comment}\n\n`;
  let text = '';
  if (event.id !== undefined) text += `id: ${event.id}\n`;
  if (event.event !== undefined) text += `event: ${event.event}\n`;
  return `${text}data: ${JSON.stringify(event.data ?? null)}\n\n`;
}
