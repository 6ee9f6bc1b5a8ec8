/**
 * The baseline a user would write with node-llama-cpp alone: load, tokenize the prompt, evaluate it
 * in one go, generate greedily. Prints one JSON line with medians, for bench/worker-vs-bare.
 *
 *   node dist/bench/bare-generate.js --model path.gguf --threads 2 --prompt "…" --max-tokens 128 --runs 5
 */
import { parseArgs } from 'node:util';
import { getLlama } from 'node-llama-cpp';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threads: { type: 'string', default: '2' },
    prompt: { type: 'string', default: 'Hello' },
    'max-tokens': { type: 'string', default: '128' },
    'context-size': { type: 'string', default: '2048' },
    runs: { type: 'string', default: '5' },
  },
});
if (!values.model) throw new Error('--model is required');
const threads = Number(values.threads);
const maxTokens = Number(values['max-tokens']);
const llama = await getLlama({
  gpu: false,
  build: 'never',
  progressLogs: false,
  maxThreads: threads,
});
const loadStart = performance.now();
const model = await llama.loadModel({ modelPath: values.model, gpuLayers: 0 });
const context = await model.createContext({
  contextSize: Number(values['context-size']),
  sequences: 1,
  threads,
});
const loadMs = performance.now() - loadStart;
const sequence = context.getSequence();
const prompt = model.tokenize(values.prompt!, false);
if (model.tokens.bos !== null) prompt.unshift(model.tokens.bos);

const ttfts: number[] = [];
const rates: number[] = [];
for (let run = 0; run <= Number(values.runs); run++) {
  await sequence.clearHistory();
  const started = performance.now();
  let first = 0;
  let count = 0;
  for await (const _token of sequence.evaluate(prompt, { temperature: 0 })) {
    count += 1;
    if (count === 1) first = performance.now();
    if (count >= maxTokens) break;
  }
  const end = performance.now();
  // The first run warms caches and is not counted, as the worker's first job is not.
  if (run === 0) continue;
  ttfts.push(first - started);
  rates.push(((count - 1) * 1000) / (end - first));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify({
    promptTokens: prompt.length,
    loadMs,
    ttftMs: median(ttfts),
    decodeTokensPerSecond: median(rates),
    rssBytes: process.memoryUsage().rss,
  }),
);
await llama.dispose();
