/** What the docs say of one operation beyond what the DTOs tell. */
export interface OperationDoc {
  summary: string;
  tag: string;
  description?: string;
  /** A request body the DTOs cannot describe (multipart uploads). */
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  /** Answers by status, with an example (the response types are interfaces swagger cannot read). */
  responses?: Record<number, { description: string; example?: unknown; type?: string }>;
  /** Named request body examples, shown in /docs. */
  examples?: Record<string, { summary: string; value: unknown }>;
}

const accepted = {
  id: '42',
  state: 'queued',
  model: 'synth-5m',
  priority: 'interactive',
  links: { self: '/v1/jobs/42', events: '/v1/jobs/42/events' },
};

const usage = { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 };

const chat = [
  { role: 'system', content: 'You answer in one sentence.' },
  { role: 'user', content: 'What is a KV cache?' },
];

/**
 * Every route of the api, keyed `METHOD /path` as in the OpenAPI document. Kept apart from the
 * controllers so the docs read in one place; the docs test fails when a route is missing here.
 */
export const OPERATION_DOCS: Record<string, OperationDoc> = {
  'POST /v1/jobs': {
    tag: 'jobs',
    summary: 'Submit one inference job (a prompt or a chat) in a priority class',
    description:
      'Answers 202 with the job id at once; follow it with GET /v1/jobs/{id} or its event stream. ' +
      'An Idempotency-Key header makes a retried submission return the first job.',
    examples: {
      prompt: {
        summary: 'A prompt, interactive class',
        value: {
          model: 'synth-5m',
          prompt: 'Write a haiku about queues.',
          max_tokens: 64,
          temperature: 0.7,
          priority: 'interactive',
        },
      },
      chat: {
        summary: 'A chat, batch class, reproducible',
        value: { model: 'synth-5m', messages: chat, max_tokens: 128, seed: 42, priority: 'batch' },
      },
    },
    responses: {
      202: {
        description: 'Accepted (or, for a retried Idempotency-Key, the first job now)',
        example: accepted,
      },
    },
  },
  'POST /v1/jobs/batch': {
    tag: 'jobs',
    summary: 'Submit many jobs at once; each item is validated and accepted or refused on its own',
    examples: {
      two: {
        summary: 'Two jobs, one of each class',
        value: {
          jobs: [
            { model: 'synth-5m', prompt: 'Summarise: ...', max_tokens: 200, priority: 'batch' },
            { model: 'synth-5m', messages: chat, priority: 'standard' },
          ],
        },
      },
    },
    responses: {
      202: {
        description: 'One entry per item, in order',
        example: {
          accepted: 1,
          refused: 1,
          items: [
            { index: 0, ...accepted },
            {
              index: 1,
              error: { statusCode: 404, message: 'model "nope" is not served by any worker' },
            },
          ],
        },
      },
    },
  },
  'GET /v1/jobs/{id}': {
    tag: 'jobs',
    summary: 'A job: its state, phase, why it waits, output, usage and timings',
    responses: {
      200: {
        description: 'The job',
        example: {
          id: '42',
          state: 'completed',
          phase: 'completed',
          model: 'synth-5m',
          tenant: 'default',
          priority: 'interactive',
          worker: 'host-1234-ab12',
          gpuLayers: 0,
          submittedAt: 1764280000000,
          startedAt: 1764280000120,
          finishedAt: 1764280000900,
          output: 'Queues hum at night…',
          finish_reason: 'length',
          usage,
          timings: {
            queueWaitMs: 120,
            loadMs: 0,
            prefillMs: 40,
            timeToFirstTokenMs: 180,
            decodeMs: 700,
            decodeTokensPerSecond: 17.1,
            totalMs: 900,
          },
          resumes: 0,
          resumedFromToken: 0,
          error: null,
          reason: null,
          position: null,
          estimatedStartAt: null,
          preemptions: [],
        },
      },
      404: { description: 'No such job (or another tenant’s)' },
    },
  },
  'DELETE /v1/jobs/{id}': {
    tag: 'jobs',
    summary: 'Cancel a job; a running one stops at its next token and keeps its partial output',
    responses: {
      200: { description: 'It was still queued: cancelled now (the job view)' },
      202: {
        description: 'Cancelling: a running job stops at its next token',
        example: { id: '42', state: 'cancelling' },
      },
      404: { description: 'No such job' },
    },
  },
  'GET /v1/jobs/{id}/events': {
    tag: 'jobs',
    summary: 'Server-sent events of a job: phases and tokens as they come, then its final state',
    responses: {
      200: {
        description: 'text/event-stream: `phase` and `token` events, then `end` with the job view',
        type: 'text/event-stream',
        example:
          'event: phase\ndata: {"phase":"decoding","workerId":"w1","at":1764280000300}\n\n' +
          'event: token\ndata: {"text":" Queues","completionTokens":1}\n\n' +
          'event: end\ndata: {"id":"42","state":"completed","phase":"completed","output":" Queues…"}\n\n',
      },
    },
  },
  'POST /v1/chat/completions': {
    tag: 'openai',
    summary: 'OpenAI-compatible chat completion (streamed with stream: true)',
    description:
      'The body’s `priority` or the `x-switchyard-priority` header picks the class (interactive by default).',
    examples: {
      chat: {
        summary: 'A chat',
        value: { model: 'synth-5m', messages: chat, max_tokens: 64 },
      },
      streamed: {
        summary: 'Streamed, with usage in the last chunk',
        value: {
          model: 'synth-5m',
          messages: chat,
          stream: true,
          stream_options: { include_usage: true },
        },
      },
    },
    responses: {
      200: {
        description:
          'A chat.completion (or, with stream: true, chat.completion.chunk events ending in [DONE])',
        example: {
          id: 'chatcmpl-42',
          object: 'chat.completion',
          created: 1764280001,
          model: 'synth-5m',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'A cache of keys and values…' },
              finish_reason: 'length',
            },
          ],
          usage,
        },
      },
    },
  },
  'POST /v1/completions': {
    tag: 'openai',
    summary: 'OpenAI-compatible text completion (legacy completions endpoint)',
    examples: {
      prompt: {
        summary: 'A prompt',
        value: { model: 'synth-5m', prompt: 'Once upon a time', max_tokens: 32, temperature: 0 },
      },
    },
    responses: {
      200: {
        description: 'A text_completion',
        example: {
          id: 'cmpl-42',
          object: 'text_completion',
          created: 1764280001,
          model: 'synth-5m',
          choices: [{ index: 0, text: ' there was a queue…', finish_reason: 'length' }],
          usage,
        },
      },
    },
  },
  'POST /v1/files': {
    tag: 'files',
    summary: 'Upload a JSONL file of batch requests (multipart/form-data: purpose=batch, file)',
    description:
      'Each line: {"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", "body": {...}}',
    requestBody: {
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['purpose', 'file'],
            properties: {
              purpose: { type: 'string', enum: ['batch'] },
              file: { type: 'string', format: 'binary', description: 'JSONL, one request a line' },
            },
          },
        },
      },
    },
    responses: {
      200: {
        description: 'The file object',
        example: {
          id: 'file-abc123',
          object: 'file',
          bytes: 1204,
          created_at: 1764280000,
          filename: 'requests.jsonl',
          purpose: 'batch',
        },
      },
    },
  },
  'GET /v1/files': { tag: 'files', summary: 'List the uploaded files of this API key’s tenant' },
  'GET /v1/files/{id}': { tag: 'files', summary: 'A file object' },
  'GET /v1/files/{id}/content': {
    tag: 'files',
    summary: 'The content of a file (an uploaded input, or a batch’s output or error file)',
  },
  'DELETE /v1/files/{id}': { tag: 'files', summary: 'Delete a file' },
  'POST /v1/batches': {
    tag: 'batches',
    summary: 'Start an OpenAI-compatible batch over an uploaded JSONL file',
    examples: {
      batch: {
        summary: 'Chat completions within 24 h',
        value: {
          input_file_id: 'file-abc123',
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
          metadata: { project: 'nightly-summaries' },
        },
      },
    },
    responses: {
      200: {
        description: 'The batch object (status validating, then in_progress)',
        example: {
          id: 'batch_abc123',
          object: 'batch',
          endpoint: '/v1/chat/completions',
          input_file_id: 'file-abc123',
          completion_window: '24h',
          status: 'validating',
          request_counts: { total: 0, completed: 0, failed: 0 },
        },
      },
    },
  },
  'GET /v1/batches': { tag: 'batches', summary: 'List batches, newest first' },
  'GET /v1/batches/{id}': { tag: 'batches', summary: 'A batch: status, request counts, files' },
  'POST /v1/batches/{id}/cancel': {
    tag: 'batches',
    summary: 'Cancel a batch: queued requests are cancelled, finished ones kept',
  },
  'GET /v1/models': {
    tag: 'models',
    summary: 'The models the fleet can serve, and where they are loaded',
  },
  'GET /v1/models/{id}': { tag: 'models', summary: 'One model' },
  'GET /v1/workers': {
    tag: 'operations',
    summary:
      'The fleet: workers, their devices, memory, loaded models and running jobs; the last decision',
  },
  'POST /v1/workers/{id}/drain': {
    tag: 'operations',
    summary:
      'Drain a worker: it stops taking jobs, finishes or hands back its jobs, unloads and leaves',
  },
  'GET /v1/fleet': {
    tag: 'operations',
    summary:
      "The fleet page's snapshot: workers, queue depth over ten minutes, SLA attainment, decisions",
    description:
      'Everything /fleet draws, in one answer (admin scope): each worker with its device, memory ' +
      'budget and use, loaded models with their GPU layers, running jobs with tokens/s and ' +
      'whether it drains; queue-depth samples per class taken by the scheduler leader every 2 s ' +
      'over the last ten minutes (`since` returns only newer ones); SLA met and missed per ' +
      "class; the leader's latest applied actions with their reasons; and the first waiting " +
      'jobs with their position, estimated start and reason (as GET /v1/jobs/{id} tells them).',
    responses: {
      200: {
        description: 'The snapshot',
        example: {
          at: 1764288002000,
          scheduler: {
            leader: 'host-4242',
            policy: 'sensitivity',
            leadingSince: 1764287000000,
            lastRoundAt: 1764288001800,
            decideMs: 0.41,
            windowSize: 3,
          },
          workers: [
            {
              id: 'gpu0-5151-a1b2',
              host: 'gpu0',
              device: {
                kind: 'cuda',
                name: 'NVIDIA H100 80GB HBM3',
                catalogId: 'h100-sxm',
                gpuMemoryTotalBytes: 85_899_345_920,
                ramTotalBytes: 270_582_939_648,
                threads: 8,
              },
              memoryBudgetBytes: 76_000_000_000,
              memoryUsedBytes: 9_100_000_000,
              slotsPerModel: 2,
              maxConcurrentJobs: 2,
              loaded: [
                {
                  model: 'synth-850m',
                  gpuLayers: 16,
                  totalLayers: 16,
                  contextSize: 2048,
                  slots: 2,
                  busySlots: 1,
                  memoryBytes: 9_100_000_000,
                  loadedAt: 1764287100000,
                  lastUsedAt: 1764288001000,
                },
              ],
              running: [
                {
                  jobId: '42',
                  model: 'synth-850m',
                  priority: 'interactive',
                  phase: 'decoding',
                  promptTokens: 92,
                  maxTokens: 256,
                  preemptions: 0,
                  completionTokens: 120,
                  tokensPerSecond: 141.7,
                  startedAt: 1764288000900,
                },
              ],
              keptKvStates: { count: 0, bytes: 0 },
              draining: false,
              startedAt: 1764287000000,
              heartbeatAt: 1764288001900,
            },
          ],
          queue: {
            samples: [
              {
                at: 1764288000000,
                waiting: { interactive: 0, standard: 2, batch: 310 },
                running: { interactive: 1, standard: 0, batch: 1 },
                tokensPerSecond: 183.2,
              },
            ],
            waiting: { interactive: 0, standard: 2, batch: 310 },
            sampleEveryMs: 2000,
          },
          sla: {
            interactive: {
              met: 97,
              missed: 1,
              attainment: 0.9898,
              recent: { met: 31, missed: 0, attainment: 1 },
            },
            standard: {
              met: 12,
              missed: 0,
              attainment: 1,
              recent: { met: 4, missed: 0, attainment: 1 },
            },
            batch: {
              met: 0,
              missed: 0,
              attainment: null,
              recent: { met: 0, missed: 0, attainment: null },
            },
          },
          slaRecentMinutes: 15,
          decisions: [
            {
              at: 1764288001800,
              type: 'dispatch',
              workerId: 'gpu0-5151-a1b2',
              model: 'synth-850m',
              jobId: '42',
              reason: 'interactive job 42: synth-850m is loaded on gpu0-5151-a1b2 with a free slot',
            },
          ],
          waiting: [
            {
              id: '43',
              model: 'synth-850m',
              priority: 'standard',
              tenant: 'default',
              submittedAt: 1764287999000,
              position: 1,
              estimatedStartAt: 1764288003100,
              reason: 'every slot of synth-850m is busy; the first frees in 1.1 s',
            },
          ],
        },
      },
    },
  },
  'GET /health': {
    tag: 'operations',
    summary: 'Liveness and readiness: Redis, scheduler, workers (no key needed)',
  },
  'GET /metrics': {
    tag: 'operations',
    summary: 'Prometheus metrics of the api: HTTP requests, queue depth per class (no key needed)',
  },
};
