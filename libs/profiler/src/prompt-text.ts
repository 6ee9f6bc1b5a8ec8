import type { LlamaEngine } from '#switchyard/engine';

// Plain words: every tokenizer splits them into a handful of pieces, so length scales smoothly.
const WORDS = (
  'the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches ' +
  'near an old harbour where sailors mend their nets and count the evening tides'
).split(' ');

function wordsText(count: number): string {
  return Array.from({ length: count }, (_, i) => WORDS[(i * 7) % WORDS.length]).join(' ');
}

/** How many tokens `prompt` is for a loaded model (a maxTokens 0 run evaluates nothing). */
export async function countPromptTokens(
  engine: LlamaEngine,
  model: string,
  prompt: string,
): Promise<number> {
  const result = await engine.generate({ model, prompt, maxTokens: 0, temperature: 0 });
  return result.promptTokens;
}

/**
 * A prompt of about `tokens` tokens for a loaded model (within 2 %, BOS included), found by
 * scaling a word count by the tokenizer's answer a few times.
 */
export async function promptOfTokens(
  engine: LlamaEngine,
  model: string,
  tokens: number,
): Promise<{ prompt: string; tokens: number }> {
  // Start short: a word is one to a few tokens, and the count must fit the context.
  let words = Math.max(1, Math.round(tokens / 3));
  let best = { prompt: wordsText(words), tokens: 0 };
  for (let attempt = 0; attempt < 6; attempt++) {
    const prompt = wordsText(words);
    const counted = await countPromptTokens(engine, model, prompt);
    if (Math.abs(counted - tokens) < Math.abs(best.tokens - tokens))
      best = { prompt, tokens: counted };
    if (Math.abs(counted - tokens) <= Math.max(1, 0.02 * tokens)) break;
    words = Math.max(1, Math.round((words * tokens) / counted));
  }
  return best;
}
