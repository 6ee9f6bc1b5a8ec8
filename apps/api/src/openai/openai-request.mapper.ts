import type { ChatMessage, PriorityClass } from '#switchyard/contracts';
import type { InferenceRequest } from '../jobs/inference-request.js';
import type { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';
import type { CompletionRequestDto } from './dto/completion-request.dto.js';
import { contentText } from './dto/is-message-content.validator.js';

/**
 * `max_tokens` when a chat request leaves it out. OpenAI then generates to the end of the
 * context; Switchyard stops where `POST /v1/jobs` does.
 */
export const DEFAULT_CHAT_MAX_TOKENS = 128;

/** `max_tokens` when a text completion leaves it out: OpenAI's own default. */
export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

/** OpenAI's default temperature. */
export const DEFAULT_TEMPERATURE = 1;

/** A validated chat completion request as a job request of class `priority`. */
export function chatToInferenceRequest(
  dto: ChatCompletionRequestDto,
  priority: PriorityClass,
): InferenceRequest {
  return {
    ...sampling(dto, priority),
    max_tokens: dto.requestedMaxTokens() ?? DEFAULT_CHAT_MAX_TOKENS,
    messages: dto.messages.map((message): ChatMessage => ({
      // The developer role is OpenAI's newer name for system instructions.
      role: message.role === 'developer' ? 'system' : message.role,
      content: contentText(message.content),
    })),
  };
}

/** A validated text completion request as a job request of class `priority`. */
export function completionToInferenceRequest(
  dto: CompletionRequestDto,
  priority: PriorityClass,
): InferenceRequest {
  return {
    ...sampling(dto, priority),
    max_tokens: dto.requestedMaxTokens() ?? DEFAULT_COMPLETION_MAX_TOKENS,
    prompt: dto.promptText(),
  };
}

function sampling(
  dto: ChatCompletionRequestDto | CompletionRequestDto,
  priority: PriorityClass,
): Omit<InferenceRequest, 'max_tokens'> {
  return {
    model: dto.model,
    temperature: dto.temperature ?? DEFAULT_TEMPERATURE,
    top_p: dto.top_p ?? undefined,
    seed: dto.seed ?? undefined,
    stop: dto.stop ?? undefined,
    priority,
  };
}
