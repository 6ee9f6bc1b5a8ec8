import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Buffer } from 'node:buffer';
import type { ModelInfo } from '#switchyard/gguf';
import { PromptTokenCounter } from '#switchyard/engine';
import { ApiEnv } from '../config/api-env.js';
import type { FieldError } from '../common/field-error.js';
import type { InferenceRequest } from './inference-request.js';

/**
 * A plain prompt is at most one token per byte plus what the tokenizer adds around it: BOS, a
 * SentencePiece tokenizer's leading space (one more token for the synthetic models), perhaps EOS.
 */
const SPECIAL_TOKENS_ALLOWANCE = 4;

/**
 * Decides before anything is enqueued whether a request's prompt and its max_tokens fit the
 * context the workers load the model with. Most requests are settled by bounds from the byte
 * length alone (no token spans more bytes than the vocabulary's longest, and none spans fewer
 * than one byte); only prompts between the bounds, and conversations (whose chat template
 * adds text), are tokenized, with the model's own vocabulary, exactly as a worker will.
 */
@Injectable()
export class PromptFit implements OnModuleDestroy {
  private readonly counter = new PromptTokenCounter();

  constructor(private readonly env: ApiEnv) {}

  /** Why the request cannot fit `model`'s context (the field and a message), or undefined. */
  async problem(request: InferenceRequest, model: ModelInfo): Promise<FieldError | undefined> {
    const field = request.prompt === undefined ? 'messages' : 'prompt';
    const context = Math.min(this.env.CONTEXT_SIZE, model.contextLength || Infinity);
    const room = context - request.max_tokens;
    const text = request.prompt ?? (request.messages ?? []).map((m) => m.content).join('');
    const bytes = Buffer.byteLength(text);
    if (model.maxTokenBytes && Math.ceil(bytes / model.maxTokenBytes) > room) {
      const atLeast = Math.ceil(bytes / model.maxTokenBytes);
      return this.tooLong(field, `is at least ${atLeast} tokens`, model, request, context);
    }
    if (request.prompt !== undefined && bytes + SPECIAL_TOKENS_ALLOWANCE <= room) return undefined;
    const tokens = await this.counter.count(model.path, request.messages ?? request.prompt ?? '');
    if (tokens <= room) return undefined;
    return this.tooLong(field, `is ${tokens} tokens`, model, request, context);
  }

  async onModuleDestroy(): Promise<void> {
    await this.counter.close();
  }

  private tooLong(
    field: string,
    size: string,
    model: ModelInfo,
    request: InferenceRequest,
    context: number,
  ): FieldError {
    const what = field === 'messages' ? 'messages (with the chat template)' : field;
    return {
      field,
      messages: [
        `${what} ${size} of model "${model.name}"; with max_tokens ${request.max_tokens} ` +
          `it cannot fit the ${context}-token context`,
      ],
    };
  }
}
