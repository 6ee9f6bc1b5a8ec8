import { resolveChatWrapper } from 'node-llama-cpp';
import type { ChatHistoryItem, ChatWrapper, LlamaModel } from 'node-llama-cpp';
import type { ChatMessage } from './engine-types.js';

/** A prompt as the model will see it. */
export interface RenderedPrompt {
  tokens: number[];
  /** Plain-text end-of-turn markers of the chat template, to use as extra stop strings. */
  stops: string[];
}

/**
 * Turns a request's prompt into tokens. Strings are tokenized as they are (no special-token
 * parsing) with BOS prepended when the model asks for it. Messages are rendered with
 * node-llama-cpp's `resolveChatWrapper(model)`: the model's own Jinja chat template when the file
 * has one, else a wrapper picked from its architecture and name (a synthetic llama model gets
 * Llama 2's `<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]`). An assistant reply is
 * opened after the last message unless that message is itself from the assistant, whose text
 * is then continued.
 */
export class PromptRenderer {
  private chatWrapper?: ChatWrapper;

  constructor(private readonly model: LlamaModel) {}

  /** Tokenizes a string prompt or renders and tokenizes a conversation. */
  render(prompt: string | ChatMessage[]): RenderedPrompt {
    if (typeof prompt === 'string') return { tokens: this.tokenizeText(prompt), stops: [] };
    this.chatWrapper ??= resolveChatWrapper(this.model);
    const history: ChatHistoryItem[] = prompt.map((message) =>
      message.role === 'assistant'
        ? { type: 'model', response: [message.content] }
        : { type: message.role, text: message.content },
    );
    if (prompt.at(-1)?.role !== 'assistant') history.push({ type: 'model', response: [] });
    const state = this.chatWrapper.generateContextState({ chatHistory: history });
    const stops = state.stopGenerationTriggers
      .filter((trigger) => trigger.values.every((value) => typeof value === 'string'))
      .map((trigger) => trigger.values.join(''))
      .filter((stop) => stop.length > 0);
    return { tokens: state.contextText.tokenize(this.model.tokenizer), stops };
  }

  private tokenizeText(text: string): number[] {
    const tokens = this.model.tokenize(text, false);
    const bos = this.model.tokens.bos;
    if (bos != null && this.model.tokens.shouldPrependBosToken && tokens[0] !== bos) {
      return [bos, ...tokens];
    }
    return tokens;
  }
}
