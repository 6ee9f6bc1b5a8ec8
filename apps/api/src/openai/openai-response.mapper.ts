import type { FinishReason } from '#switchyard/contracts';
import type {
  ChatCompletionChunkDto,
  ChatCompletionDto,
  OpenAiFinishReason,
  OpenAiUsageDto,
  TextCompletionDto,
} from './dto/openai-completion.dto.js';

/** Which OpenAI endpoint a request came through. */
export type CompletionKind = 'chat' | 'text';

/** A finished generation, as the OpenAI mappers need it (from a job view or a job's result). */
export interface CompletionOutcome {
  /** The completion's id: `chatcmpl-<job>` or `cmpl-<job>`. */
  id: string;
  /** Epoch seconds. */
  created: number;
  model: string;
  text: string;
  finishReason: FinishReason;
  usage: OpenAiUsageDto;
}

/** The completion id OpenAI clients see for a job. */
export function completionId(kind: CompletionKind, jobId: string): string {
  return `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${jobId}`;
}

/** OpenAI's finish reason: `length` when max_tokens cut it off, else `stop`. */
export function openAiFinishReason(reason: FinishReason): OpenAiFinishReason {
  return reason === 'length' ? 'length' : 'stop';
}

/** The response body of a non-streaming request of `kind`. */
export function toCompletionBody(
  kind: CompletionKind,
  outcome: CompletionOutcome,
): ChatCompletionDto | TextCompletionDto {
  return kind === 'chat' ? toChatCompletion(outcome) : toTextCompletion(outcome);
}

/** A chat completion object. */
export function toChatCompletion(outcome: CompletionOutcome): ChatCompletionDto {
  return {
    id: outcome.id,
    object: 'chat.completion',
    created: outcome.created,
    model: outcome.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: outcome.text, refusal: null },
        logprobs: null,
        finish_reason: openAiFinishReason(outcome.finishReason),
      },
    ],
    usage: outcome.usage,
    system_fingerprint: null,
  };
}

/** A text completion object. */
export function toTextCompletion(outcome: CompletionOutcome): TextCompletionDto {
  return {
    id: outcome.id,
    object: 'text_completion',
    created: outcome.created,
    model: outcome.model,
    choices: [
      {
        text: outcome.text,
        index: 0,
        logprobs: null,
        finish_reason: openAiFinishReason(outcome.finishReason),
      },
    ],
    usage: outcome.usage,
    system_fingerprint: null,
  };
}

/** What every chunk of one streaming response shares. */
export interface ChunkHeader {
  id: string;
  created: number;
  model: string;
  /** `stream_options.include_usage`: every chunk carries `usage: null`, the last one the counts. */
  includeUsage: boolean;
}

/**
 * One chunk of a streaming response: a text delta (`role` on the first chat chunk), the finish
 * reason on the last choice chunk, or (`usage` given) the usage chunk with no choices.
 */
export function toChunk(
  kind: CompletionKind,
  header: ChunkHeader,
  part: { text?: string; first?: boolean; finishReason?: FinishReason; usage?: OpenAiUsageDto },
): ChatCompletionChunkDto | TextCompletionDto {
  const finish = part.finishReason ? openAiFinishReason(part.finishReason) : null;
  const usage = header.includeUsage ? { usage: part.usage ?? null } : {};
  const common = { id: header.id, created: header.created, model: header.model };
  if (kind === 'chat') {
    const delta: ChatCompletionChunkDto['choices'][number]['delta'] = part.first
      ? { role: 'assistant', content: part.text ?? '' }
      : part.finishReason
        ? {}
        : { content: part.text ?? '' };
    return {
      ...common,
      object: 'chat.completion.chunk',
      choices: part.usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      system_fingerprint: null,
      ...usage,
    };
  }
  return {
    ...common,
    object: 'text_completion',
    choices: part.usage
      ? []
      : [{ text: part.text ?? '', index: 0, logprobs: null, finish_reason: finish }],
    system_fingerprint: null,
    ...usage,
  };
}
