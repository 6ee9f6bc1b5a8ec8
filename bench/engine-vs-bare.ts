/**
 * LlamaEngine.generate against a bare node-llama-cpp loop on the same model, threads and prompt.
 *
 *   node dist/bench/engine-vs-bare.js --model path.gguf --threads N --prompt-tokens 64 \
 *     --max-tokens 128 --runs 3 [--gpu-layers 0] [--gpu auto|false] [--chunk 64]
 *
 * Both sides evaluate the prompt the same way (chunks of --chunk tokens without logits, then the
 * last chunk with sampling) and decode greedily; runs alternate (ABBA) after one warm-up each.
 * Time to first token is measured from the call, decode rate over the tokens after the first.
 */
import { parseArgs } from 'node:util';
import { getLlama, type Token } from 'node-llama-cpp';
import { LlamaEngine } from '#switchyard/engine';

interface RunFigures {
  ttftMs: number;
  decodeTokensPerSecond: number;
  completionTokens: number;
}

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string' },
    'prompt-tokens': { type: 'string', default: '64' },
    'max-tokens': { type: 'string', default: '128' },
    runs: { type: 'string', default: '3' },
    'gpu-layers': { type: 'string', default: '0' },
    gpu: { type: 'string', default: 'auto' },
    chunk: { type: 'string', default: '64' },
  },
});
if (!values.model) {
  console.error('usage: engine-vs-bare --model path.gguf [--threads N] [--prompt-tokens 64] ...');
  process.exit(2);
}
const modelPath = values.model;
const promptTokens = Number(values['prompt-tokens']);
const maxTokens = Number(values['max-tokens']);
const runs = Number(values.runs);
const gpuLayers = Number(values['gpu-layers']);
const chunk = Number(values.chunk);
const gpu = values.gpu === 'false' ? false : (values.gpu as 'auto' | 'cuda' | 'vulkan' | 'metal');
const contextSize = Math.ceil((promptTokens + maxTokens + 16) / 256) * 256;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

const engine = await LlamaEngine.create({
  gpu,
  ...(values.threads ? { threads: Number(values.threads) } : {}),
});
const threads = engine.threads;
const loaded = await engine.loadModel({
  name: 'bench',
  path: modelPath,
  gpuLayers,
  contextSize,
  slots: 1,
});
const rssAfterEngineLoad = process.memoryUsage().rss;

// The bare side: what a script using node-llama-cpp directly would do.
const llama = await getLlama({ gpu, build: 'never', progressLogs: false, maxThreads: threads });
const bareModel = await llama.loadModel({ modelPath, gpuLayers });
const bareContext = await bareModel.createContext({ contextSize, sequences: 1, threads });
const sequence = bareContext.getSequence();
const rssAfterBothLoads = process.memoryUsage().rss;

// A prompt of exactly `promptTokens` tokens (BOS included) for this model's tokenizer.
const promptText = makePrompt(promptTokens);
const bareTokens = (): Token[] => {
  const tokens = bareModel.tokenize(promptText, false);
  const bos = bareModel.tokens.bos;
  return bos != null && bareModel.tokens.shouldPrependBosToken ? [bos, ...tokens] : tokens;
};

async function engineRun(): Promise<RunFigures> {
  const result = await engine.generate({
    model: 'bench',
    prompt: promptText,
    maxTokens,
    temperature: 0,
    promptChunkSize: chunk,
  });
  return {
    ttftMs: result.timings.firstTokenMs,
    decodeTokensPerSecond: result.timings.decodeTokensPerSecond,
    completionTokens: result.completionTokens,
  };
}

async function bareRun(): Promise<RunFigures> {
  const calledAt = performance.now();
  const tokens = bareTokens();
  await sequence.clearHistory();
  let offset = 0;
  while (tokens.length - offset > chunk) {
    await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(offset, offset + chunk));
    offset += chunk;
  }
  let count = 0;
  let first = 0;
  let last = 0;
  for await (const _token of sequence.evaluate(tokens.slice(offset), { temperature: 0 })) {
    last = performance.now();
    if (count === 0) first = last;
    if (++count >= maxTokens) break;
  }
  const decodeMs = last - first;
  return {
    ttftMs: first - calledAt,
    decodeTokensPerSecond: decodeMs > 0 ? ((count - 1) * 1000) / decodeMs : 0,
    completionTokens: count,
  };
}

function makePrompt(tokens: number): string {
  const source = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen jugs. ';
  let text = source;
  while (bareModelTokenCount(text) < tokens) text += source;
  // Trim to the exact count by characters (tokenizers differ; this works for any of them).
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bareModelTokenCount(text.slice(0, mid)) <= tokens) low = mid;
    else high = mid - 1;
  }
  return text.slice(0, low);
}

function bareModelTokenCount(text: string): number {
  const bos = bareModel.tokens.bos != null && bareModel.tokens.shouldPrependBosToken ? 1 : 0;
  return bareModel.tokenize(text, false).length + bos;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

await engineRun();
await bareRun();
const figures: Record<'engine' | 'bare', RunFigures[]> = { engine: [], bare: [] };
for (let run = 0; run < runs; run++) {
  const order: ('engine' | 'bare')[] = run % 2 === 0 ? ['engine', 'bare'] : ['bare', 'engine'];
  for (const side of order) figures[side].push(await (side === 'engine' ? engineRun() : bareRun()));
}

console.log(
  `model ${modelPath}  device ${engine.device.kind} (${engine.device.name})  threads ${threads}`,
);
console.log(
  `prompt ${bareTokens().length} tokens, max ${maxTokens} tokens, chunk ${chunk}, context ${loaded.contextSize}, ` +
    `gpuLayers ${loaded.gpuLayers}/${loaded.totalLayers}, runs ${runs} (+1 warm-up each)`,
);
console.log(
  `RSS after engine load ${mib(rssAfterEngineLoad)} MiB, after bare load too ${mib(rssAfterBothLoads)} MiB ` +
    `(engine reports ${mib(loaded.cpuBytes)} MiB host + ${mib(loaded.gpuBytes)} MiB GPU)`,
);
for (let run = 0; run < runs; run++) {
  const e = figures.engine[run]!;
  const b = figures.bare[run]!;
  console.log(
    `run ${run + 1}: engine ttft ${e.ttftMs.toFixed(1)} ms, ${e.decodeTokensPerSecond.toFixed(1)} tok/s ` +
      `(${e.completionTokens} tokens) | bare ttft ${b.ttftMs.toFixed(1)} ms, ` +
      `${b.decodeTokensPerSecond.toFixed(1)} tok/s (${b.completionTokens} tokens)`,
  );
}
const rows: [string, (f: RunFigures) => number][] = [
  ['time to first token (ms)', (f) => f.ttftMs],
  ['decode (tokens/s)', (f) => f.decodeTokensPerSecond],
];
console.log('');
console.log('| median of runs | engine | bare | engine / bare |');
console.log('| --- | ---: | ---: | ---: |');
for (const [label, pick] of rows) {
  const e = median(figures.engine.map(pick));
  const b = median(figures.bare.map(pick));
  console.log(`| ${label} | ${e.toFixed(1)} | ${b.toFixed(1)} | ${(e / b).toFixed(3)} |`);
}

await bareContext.dispose();
await bareModel.dispose();
await llama.dispose();
await engine.dispose();
