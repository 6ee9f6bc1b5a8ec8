import { BadRequestException, NotFoundException } from '@nestjs/common';
import type { FieldError } from '../common/field-error.js';
import { ApiValidationPipe } from '../common/api-validation.pipe.js';
import type { ApiEnv } from '../config/api-env.js';
import type { InferenceRequest } from '../jobs/inference-request.js';
import type { ModelInfo } from '#switchyard/gguf';
import type { PromptFit } from '../jobs/prompt-fit.js';
import type { ModelsService } from '../models/models.service.js';
import { ChatCompletionRequestDto } from '../openai/dto/chat-completion-request.dto.js';
import { CompletionRequestDto } from '../openai/dto/completion-request.dto.js';
import {
  chatToInferenceRequest,
  completionToInferenceRequest,
} from '../openai/openai-request.mapper.js';
import type { BatchEndpoint } from './dto/batch-object.dto.js';

/** Longest custom_id accepted. */
const MAX_CUSTOM_ID = 512;

/** Why one line of a batch file was refused. */
export interface LineProblem {
  code: string;
  message: string;
  param: string | null;
  /** The line's custom_id, when it had a usable one. */
  customId?: string;
}

/** A line that holds a valid request. */
export interface ValidLine {
  customId: string;
  request: InferenceRequest;
}

/**
 * Checks one batch file line at a time, as OpenAI's Batch API reads them: a JSON object with a
 * unique `custom_id`, `method: POST`, the batch's `url`, and a `body` that the endpoint itself
 * would accept (the same DTO and limits) for a model that exists. Remembers the custom_ids seen.
 */
export class BatchLineValidator {
  private readonly pipe: ApiValidationPipe;
  private readonly seen = new Map<string, number>();
  private readonly models = new Map<string, Promise<ModelInfo | string>>();

  constructor(
    private readonly endpoint: BatchEndpoint,
    env: ApiEnv,
    private readonly registry: Pick<ModelsService, 'require'>,
    private readonly fit: Pick<PromptFit, 'problem'>,
  ) {
    this.pipe = new ApiValidationPipe(env);
  }

  /** The request of line `line`, or why it was refused. */
  async check(line: number, text: string): Promise<ValidLine | LineProblem> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return problem('invalid_json', `line ${line} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return problem('invalid_json', `line ${line} must be a JSON object`);
    }
    const { custom_id: customId, method, url, body } = value as Record<string, unknown>;
    if (typeof customId !== 'string' || customId.length === 0 || customId.length > MAX_CUSTOM_ID) {
      return problem(
        'missing_custom_id',
        `line ${line}: custom_id must be a non-empty string of at most ${MAX_CUSTOM_ID} characters`,
        'custom_id',
      );
    }
    const first = this.seen.get(customId);
    if (first !== undefined) {
      return {
        ...problem(
          'duplicate_custom_id',
          `line ${line}: custom_id "${customId}" is used already on line ${first}`,
          'custom_id',
        ),
        customId,
      };
    }
    this.seen.set(customId, line);
    const result = await this.checkRequest(line, customId, method, url, body);
    return isLineProblem(result) ? { ...result, customId } : result;
  }

  private async checkRequest(
    line: number,
    customId: string,
    method: unknown,
    url: unknown,
    body: unknown,
  ): Promise<ValidLine | LineProblem> {
    if (method !== 'POST') {
      return problem('invalid_method', `line ${line}: method must be "POST"`, 'method');
    }
    if (url !== this.endpoint) {
      return problem(
        'invalid_url',
        `line ${line}: url must be "${this.endpoint}", the batch's endpoint (got ${JSON.stringify(url ?? null)})`,
        'url',
      );
    }
    return this.checkBody(line, customId, body);
  }

  private async checkBody(
    line: number,
    customId: string,
    body: unknown,
  ): Promise<ValidLine | LineProblem> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return problem('invalid_body', `line ${line}: body must be a JSON object`, 'body');
    }
    if ((body as { stream?: unknown }).stream === true) {
      return problem(
        'invalid_body',
        `line ${line}: body.stream is not supported in a batch`,
        'body.stream',
      );
    }
    let request: InferenceRequest;
    try {
      if (this.endpoint === '/v1/chat/completions') {
        const dto = (await this.pipe.transform(body, {
          type: 'body',
          metatype: ChatCompletionRequestDto,
        })) as ChatCompletionRequestDto;
        request = chatToInferenceRequest(dto, 'batch');
      } else {
        const dto = (await this.pipe.transform(body, {
          type: 'body',
          metatype: CompletionRequestDto,
        })) as CompletionRequestDto;
        request = completionToInferenceRequest(dto, 'batch');
      }
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      const fields = (error.getResponse() as { errors?: FieldError[] }).errors ?? [];
      const why = fields
        .map((f) =>
          f.messages.some((m) => m.endsWith('should not exist'))
            ? `body.${f.field}: unrecognized argument`
            : `body.${f.field}: ${f.messages.join(', ')}`,
        )
        .join('; ');
      return problem(
        'invalid_body',
        `line ${line}: ${why || error.message}`,
        fields[0] ? `body.${fields[0].field}` : 'body',
      );
    }
    const model = await this.modelOrProblem(request.model);
    if (typeof model === 'string') {
      return problem('model_not_found', `line ${line}: ${model}`, 'body.model');
    }
    const tooLong = await this.fit.problem(request, model);
    if (tooLong) {
      const message = `line ${line}: body.${tooLong.field}: ${tooLong.messages.join(', ')}`;
      return problem('context_length_exceeded', message, `body.${tooLong.field}`);
    }
    return { customId, request };
  }

  /** The model, or why it cannot run (the models folder is scanned once per unknown name). */
  private modelOrProblem(model: string): Promise<ModelInfo | string> {
    let answer = this.models.get(model);
    if (!answer) {
      answer = this.registry.require(model).catch((error: unknown) => {
        if (error instanceof NotFoundException) return error.message;
        throw error;
      });
      this.models.set(model, answer);
    }
    return answer;
  }
}

/** Whether a check refused its line. */
export function isLineProblem(result: ValidLine | LineProblem): result is LineProblem {
  return (result as LineProblem).code !== undefined;
}

function problem(code: string, message: string, param: string | null = null): LineProblem {
  return { code, message, param };
}
