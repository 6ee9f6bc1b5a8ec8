import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import type { ChatMessage } from './engine-types.js';
import { PromptRenderer } from './prompt-renderer.js';

/** How many vocabularies stay open at once; the least recently used one is closed past it. */
const DEFAULT_MAX_OPEN = 8;

interface OpenVocabulary {
  model: Promise<LlamaModel>;
  renderer: Promise<PromptRenderer>;
}

/**
 * Counts a prompt's tokens exactly as a worker will feed them to the model (same tokenizer, same
 * chat template, BOS included) without loading any weights: each model is opened vocabulary-only
 * (node-llama-cpp's `vocabOnly`), on the CPU backend, on first use. Lets a process that serves
 * no inference (the api) refuse a prompt that cannot fit before it is enqueued.
 */
export class PromptTokenCounter {
  private llama?: Promise<Llama>;
  private readonly open = new Map<string, OpenVocabulary>();

  constructor(private readonly maxOpen = DEFAULT_MAX_OPEN) {}

  /** Tokens of `prompt` (a string, or messages rendered with the model's chat template). */
  async count(modelPath: string, prompt: string | ChatMessage[]): Promise<number> {
    const renderer = await this.rendererFor(modelPath);
    return renderer.render(prompt).tokens.length;
  }

  /** Closes every open vocabulary; later counts open them again. */
  async close(): Promise<void> {
    const open = [...this.open.values()];
    this.open.clear();
    await Promise.all(
      open.map((entry) =>
        entry.model.then(
          (m) => m.dispose(),
          () => undefined,
        ),
      ),
    );
  }

  private rendererFor(modelPath: string): Promise<PromptRenderer> {
    let entry = this.open.get(modelPath);
    if (entry) {
      // Map order is insertion order: re-inserting marks it the most recently used.
      this.open.delete(modelPath);
    } else {
      const model = this.loadVocabulary(modelPath);
      entry = { model, renderer: model.then((m) => new PromptRenderer(m)) };
      // A file that cannot be read must not stay cached as a failure.
      entry.model.catch(() => this.open.get(modelPath) === entry && this.open.delete(modelPath));
    }
    this.open.set(modelPath, entry);
    while (this.open.size > this.maxOpen) {
      const [oldestPath, oldest] = this.open.entries().next().value!;
      this.open.delete(oldestPath);
      void oldest.model.then(
        (m) => m.dispose(),
        () => undefined,
      );
    }
    return entry.renderer;
  }

  private async loadVocabulary(modelPath: string): Promise<LlamaModel> {
    // build: 'never' fails fast instead of trying to download and compile llama.cpp.
    this.llama ??= getLlama({
      gpu: false,
      build: 'never',
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    });
    const llama = await this.llama;
    return llama.loadModel({ modelPath, vocabOnly: true, gpuLayers: 0 });
  }
}
