import { CurrentCaller, type Caller } from '../auth/caller.js';
import { Body, Controller, Headers, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { requestIdFrom } from '../common/request-id.js';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';
import { CompletionRequestDto } from './dto/completion-request.dto.js';
import { OpenAiCompletionsService } from './openai-completions.service.js';
import { PRIORITY_HEADER, resolvePriority } from './openai-priority.js';
import { chatToInferenceRequest, completionToInferenceRequest } from './openai-request.mapper.js';

/**
 * OpenAI's chat and text completions, each run as one job (class interactive unless the body's
 * `priority` or the `x-switchyard-priority` header asks otherwise), streaming or not.
 */
@Controller('v1')
export class OpenAiCompletionsController {
  constructor(private readonly completions: OpenAiCompletionsService) {}

  /** A chat completion: `chat.completion`, or `chat.completion.chunk` events and `[DONE]`. */
  @Post('chat/completions')
  @HttpCode(HttpStatus.OK)
  async chat(
    @Body() body: ChatCompletionRequestDto,
    @Headers(PRIORITY_HEADER) priority: string | undefined,
    @Headers('x-request-id') requestId: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    const request = chatToInferenceRequest(body, resolvePriority(body.priority, priority));
    await this.completions.respond('chat', request, options(body, requestId, caller), response);
  }

  /** A text completion: `text_completion`, or `text_completion` chunks and `[DONE]`. */
  @Post('completions')
  @HttpCode(HttpStatus.OK)
  async text(
    @Body() body: CompletionRequestDto,
    @Headers(PRIORITY_HEADER) priority: string | undefined,
    @Headers('x-request-id') requestId: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    const request = completionToInferenceRequest(body, resolvePriority(body.priority, priority));
    await this.completions.respond('text', request, options(body, requestId, caller), response);
  }
}

function options(
  body: ChatCompletionRequestDto | CompletionRequestDto,
  requestId: string | undefined,
  caller: Caller,
) {
  return {
    caller,
    stream: body.stream === true,
    includeUsage: body.stream === true && body.stream_options?.include_usage === true,
    requestId: requestIdFrom(requestId),
  };
}
