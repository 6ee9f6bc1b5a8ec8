import {
  BadRequestException,
  ConflictException,
  HttpException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { Job, JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  BULL_PRIORITY,
  RedisKeys,
  type JobData,
  type JobResult,
  type SchedulerCommand,
} from '#switchyard/contracts';
import { JobStream, MessageStream, type JobsQueue } from '#switchyard/fleet';
import { canSee, type Caller, SYSTEM_CALLER } from '../auth/caller.js';
import { TenantQuota } from '../auth/tenant-quota.js';
import { ApiValidationPipe, INVALID_BODY_MESSAGE } from '../common/api-validation.pipe.js';
import type { ModelInfo } from '#switchyard/gguf';
import type { FieldError } from '../common/field-error.js';
import { ApiEnv } from '../config/api-env.js';
import { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { JOBS_QUEUE_TOKEN } from '../core/tokens.js';
import { ModelsService } from '../models/models.service.js';
import { CreateJobDto } from './dto/create-job.dto.js';
import type { JobAcceptedDto } from './dto/job-accepted.dto.js';
import type { RefusedItemDto, SubmitJobsResultDto } from './dto/submit-jobs-result.dto.js';
import type { JobCancellingDto } from './dto/job-cancelling.dto.js';
import type { JobViewDto } from './dto/job-view.dto.js';
import {
  cancelledQueuedView,
  isFinished,
  REMOVABLE_BULL_STATES,
  toJobView,
} from './job-view.mapper.js';
import type { InferenceRequest } from './inference-request.js';
import { PromptFit } from './prompt-fit.js';

/** The BullMQ job name of an inference request: its model and class, as Bull Board lists it. */
export function inferJobName(data: Pick<JobData, 'model' | 'priority'>): string {
  return `${data.model} · ${data.priority}`;
}

/** How long a cancel request waits for the scheduler to pick it up, in seconds. */
const CANCEL_REQUEST_TTL_SECONDS = 3600;

/** How a cancel ended: removed from the queue at once (200), or asked of the scheduler (202). */
export type CancelOutcome =
  { status: 200; body: JobViewDto } | { status: 202; body: JobCancellingDto };

/** How one job of `cancelMany` ended: removed, being stopped, already finished, or unknown. */
export type BulkCancelOutcome = 'removed' | 'cancelling' | 'finished' | 'missing';

/** A job to enqueue with an id of the caller's choosing. */
export interface NewJob<T extends JobData = JobData> {
  id: string;
  data: T;
}

/** Submits, reads and cancels inference jobs: one BullMQ job each, in the `jobs` queue. */
@Injectable()
export class JobsService {
  constructor(
    @Inject(JOBS_QUEUE_TOKEN) private readonly queue: JobsQueue,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly env: ApiEnv,
    private readonly models: ModelsService,
    private readonly idempotency: IdempotencyStore,
    private readonly quota: TenantQuota,
    private readonly fit: PromptFit,
  ) {}

  /**
   * Enqueues a validated request at its class's priority. Throws NotFoundException (and
   * enqueues nothing) when the model is unknown. With an `idempotencyKey`, a retry of the same
   * request answers the first one's job (`replayed`) instead of adding a second.
   */
  async submit(
    request: InferenceRequest,
    requestId: string,
    caller: Caller,
    idempotencyKey?: string,
  ): Promise<JobAcceptedDto & { replayed: boolean }> {
    await this.checkFits(request, await this.models.require(request.model));
    const claim =
      idempotencyKey === undefined
        ? undefined
        : await this.idempotency.claim(`jobs:${caller.tenant}`, idempotencyKey, request);
    const id = claim?.idFor('job') ?? randomUUID();
    if (claim?.replayed) {
      // The first request may have died before its job was added: then this one adds it.
      const existing = await this.find(id);
      if (existing) return { ...accepted(id, existing), state: existing.state, replayed: true };
    }
    const data = this.toJobData(request, requestId, caller.tenant);
    await this.quota.reserve(caller.tenant, [id]);
    try {
      await this.queue.add(inferJobName(data), data, this.jobOptions(id, data));
    } catch (error) {
      await this.quota.release(caller.tenant, [id]);
      throw error;
    }
    return { ...accepted(id, data), replayed: false };
  }

  /**
   * Validates each item like a `POST /v1/jobs` body and enqueues the valid ones in one atomic
   * addBulk; answers per item, in order: its job, or why it was refused. With an
   * `idempotencyKey`, item ids derive from the key and the item's index, so a retry re-adds
   * nothing and answers the same ids.
   */
  async submitMany(
    items: unknown[],
    requestId: string,
    caller: Caller,
    idempotencyKey?: string,
  ): Promise<SubmitJobsResultDto> {
    const claim =
      idempotencyKey === undefined
        ? undefined
        : await this.idempotency.claim(`jobs-batch:${caller.tenant}`, idempotencyKey, items);
    const pipe = new ApiValidationPipe(this.env);
    const knownModels = new Map<string, Promise<ModelInfo>>();
    const jobs: NewJob[] = [];
    const results: SubmitJobsResultDto['items'] = [];
    for (const [index, item] of items.entries()) {
      try {
        const request = (await pipe.transform(item, {
          type: 'body',
          metatype: CreateJobDto,
        })) as CreateJobDto;
        if (!knownModels.has(request.model)) {
          knownModels.set(request.model, this.models.require(request.model));
        }
        await this.checkFits(request, (await knownModels.get(request.model))!);
        const id = claim?.idFor('job', index) ?? randomUUID();
        const job = { id, data: this.toJobData(request, `${requestId}/${index}`, caller.tenant) };
        jobs.push(job);
        results.push({ index, ...accepted(job.id, job.data) });
      } catch (error) {
        results.push({ index, error: refusal(error) });
      }
    }
    // All or nothing: past the tenant's cap the whole submission is refused (429).
    const ids = jobs.map((job) => job.id);
    await this.quota.reserve(caller.tenant, ids);
    try {
      await this.enqueueMany(jobs);
    } catch (error) {
      await this.quota.release(caller.tenant, ids);
      throw error;
    }
    return { accepted: jobs.length, refused: items.length - jobs.length, items: results };
  }

  /**
   * Throws a 400 (naming the field, its size in tokens and the context) when the prompt and
   * max_tokens cannot fit the model's context; see PromptFit.
   */
  async checkFits(request: InferenceRequest, model: ModelInfo): Promise<void> {
    const problem = await this.fit.problem(request, model);
    if (problem)
      throw new BadRequestException({ message: INVALID_BODY_MESSAGE, errors: [problem] });
  }

  /** The job data of a validated request of `tenant`, as accepted now. */
  toJobData(request: InferenceRequest, requestId: string, tenant: string): JobData {
    return {
      model: request.model,
      prompt: request.prompt,
      messages: request.messages?.map(({ role, content }) => ({ role, content })),
      maxTokens: request.max_tokens,
      temperature: request.temperature,
      topP: request.top_p,
      seed: request.seed,
      stop: typeof request.stop === 'string' ? [request.stop] : request.stop,
      priority: request.priority,
      submittedAt: Date.now(),
      requestId,
      tenant,
    };
  }

  /**
   * Adds jobs with ids of the caller's choosing in one atomic addBulk, each at its class's
   * priority. A job whose id exists already is left as it is (BullMQ ignores the duplicate).
   */
  async enqueueMany<T extends JobData>(jobs: NewJob<T>[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map(({ id, data }) => ({
        name: inferJobName(data),
        data,
        opts: this.jobOptions(id, data),
      })),
    );
  }

  /** The BullMQ options of every inference job. */
  private jobOptions(id: string, data: JobData): JobsOptions {
    const retention = { age: this.env.JOB_RETENTION_SECONDS };
    return {
      jobId: id,
      // BullMQ serves jobs without a priority before every prioritized one: never leave it out.
      priority: BULL_PRIORITY[data.priority],
      attempts: 1,
      removeOnComplete: retention,
      removeOnFail: retention,
    };
  }

  /** The job's view, or undefined when neither BullMQ nor the cancelled records know it. */
  async find(id: string): Promise<JobViewDto | undefined> {
    // State first: a job read before it finished but seen as finished would lack its result.
    const state = await this.queue.getJobState(id);
    const job = state === 'unknown' ? undefined : await this.queue.getJob(id);
    if (job) return toJobView(job, state as Exclude<typeof state, 'unknown'>);
    const record = await this.redis.get(this.keys.cancelledJob(id));
    return record === null ? undefined : (JSON.parse(record) as JobViewDto);
  }

  /** The job's view; throws NotFoundException, also for another tenant's job. */
  async get(id: string, caller: Caller): Promise<JobViewDto> {
    const view = await this.find(id);
    if (!view || !canSee(caller, view.tenant)) throw notFound(id);
    return view;
  }

  /**
   * Cancels a job from any replica. A queued job is removed at once; a job the scheduler or a
   * worker holds gets a cancel request through the scheduler. Throws NotFoundException, or
   * ConflictException when the job has already finished; another tenant's job is not found.
   */
  async cancel(id: string, caller: Caller): Promise<CancelOutcome> {
    const job = await this.queue.getJob(id);
    const bullState = job ? await job.getState() : 'unknown';
    if (!job || bullState === 'unknown') {
      const record = await this.redis.get(this.keys.cancelledJob(id));
      const tenant = record === null ? undefined : (JSON.parse(record) as JobViewDto).tenant;
      if (record !== null && canSee(caller, tenant)) throw alreadyFinished(id, 'cancelled');
      throw notFound(id);
    }
    if (!canSee(caller, job.data.tenant)) throw notFound(id);
    const view = toJobView(job, bullState);
    if (isFinished(view.state)) throw alreadyFinished(id, view.state);
    if (REMOVABLE_BULL_STATES.includes(bullState)) {
      const cancelled = await this.removeQueued(job, view);
      if (cancelled) return { status: 200, body: cancelled };
    }
    await this.redis.set(this.keys.cancelRequest(id), '1', 'EX', CANCEL_REQUEST_TTL_SECONDS);
    await new MessageStream<SchedulerCommand>(this.redis, this.keys.schedulerCommands()).send({
      type: 'cancel',
      jobId: id,
      requestedAt: Date.now(),
    });
    return { status: 202, body: { id, state: 'cancelling' } };
  }

  /**
   * Cancels many jobs at once (a batch being cancelled): queued jobs are removed without a
   * cancelled record, jobs a scheduler or worker holds are cancelled as `cancel` does, finished
   * jobs are left alone.
   */
  async cancelMany(ids: string[]): Promise<Map<string, BulkCancelOutcome>> {
    const states = await Promise.all(ids.map((id) => this.queue.getJobState(id)));
    const outcomes = new Map<string, BulkCancelOutcome>();
    const held: string[] = [];
    await Promise.all(
      ids.map(async (id, i) => {
        const state = states[i];
        if (state === 'unknown') outcomes.set(id, 'missing');
        else if (state === 'completed' || state === 'failed') outcomes.set(id, 'finished');
        else if (!REMOVABLE_BULL_STATES.includes(state)) held.push(id);
        // 0: the job was locked (taken) meanwhile.
        else if ((await this.queue.remove(id)) === 1) outcomes.set(id, 'removed');
        else held.push(id);
      }),
    );
    for (const id of held) {
      try {
        await this.cancel(id, SYSTEM_CALLER);
        outcomes.set(id, 'cancelling');
      } catch (error) {
        outcomes.set(id, error instanceof ConflictException ? 'finished' : 'missing');
      }
    }
    return outcomes;
  }

  /**
   * Removes a queued job, leaving a cancelled record for GET. Returns undefined when the job
   * became active meanwhile (the caller then asks the scheduler).
   */
  private async removeQueued(
    job: Job<JobData, JobResult>,
    view: JobViewDto,
  ): Promise<JobViewDto | undefined> {
    const id = view.id;
    const recordKey = this.keys.cancelledJob(id);
    const record = cancelledQueuedView(view, Date.now());
    // The record goes first, so there is no moment in which the job is known nowhere.
    await this.redis.set(recordKey, JSON.stringify(record), 'EX', this.env.JOB_RETENTION_SECONDS);
    try {
      await job.remove();
    } catch (error) {
      const now = await job.getState();
      // Another replica removed it first; its record (the same as ours) stands.
      if (now === 'unknown') throw alreadyFinished(id, 'cancelled');
      await this.redis.del(recordKey);
      if (now === 'active') return undefined;
      if (now === 'completed' || now === 'failed') {
        throw alreadyFinished(id, (await this.find(id))?.state ?? now);
      }
      throw error;
    }
    await new JobStream(this.redis, this.keys, id).end('cancelled');
    return record;
  }
}

function accepted(id: string, data: Pick<JobData, 'model' | 'priority'>): JobAcceptedDto {
  return {
    id,
    state: 'queued',
    model: data.model,
    priority: data.priority,
    links: { self: `/v1/jobs/${id}`, events: `/v1/jobs/${id}/events` },
  };
}

/** Why an item of `submitMany` was refused, as `POST /v1/jobs` would have answered it. */
function refusal(error: unknown): RefusedItemDto['error'] {
  if (!(error instanceof HttpException)) throw error;
  const answer = error.getResponse();
  if (typeof answer === 'string') return { statusCode: error.getStatus(), message: answer };
  const { message, errors } = answer as { message?: string; errors?: FieldError[] };
  return {
    statusCode: error.getStatus(),
    message: message ?? error.message,
    ...(error instanceof BadRequestException && errors ? { errors } : {}),
  };
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`job "${id}" not found`);
}

function alreadyFinished(id: string, state: string): ConflictException {
  return new ConflictException(`job "${id}" already finished (${state})`);
}
