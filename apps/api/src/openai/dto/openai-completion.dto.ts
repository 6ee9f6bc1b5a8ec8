/** Token counts of a finished request. */
export interface OpenAiUsageDto {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Why generation ended, as OpenAI names it. */
export type OpenAiFinishReason = 'stop' | 'length';

/** `POST /v1/chat/completions` without streaming. */
export interface ChatCompletionDto {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string; refusal: null };
    logprobs: null;
    finish_reason: OpenAiFinishReason;
  }[];
  usage: OpenAiUsageDto;
  system_fingerprint: null;
}

/** One server-sent chunk of a streaming chat completion. */
export interface ChatCompletionChunkDto {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string };
    logprobs: null;
    finish_reason: OpenAiFinishReason | null;
  }[];
  system_fingerprint: null;
  /** Present (null until the last chunk) when `stream_options.include_usage` is set. */
  usage?: OpenAiUsageDto | null;
}

/** `POST /v1/completions` without streaming, and each chunk of a streaming one. */
export interface TextCompletionDto {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: {
    text: string;
    index: number;
    logprobs: null;
    finish_reason: OpenAiFinishReason | null;
  }[];
  system_fingerprint: null;
  usage?: OpenAiUsageDto | null;
}
