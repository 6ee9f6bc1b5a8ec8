/**
 * Inference inside a real worker (api → Redis → scheduler → worker → node-llama-cpp) against a bare
 * node-llama-cpp script on the same model, threads and prompt, in one run; and each process's
 * resident memory, idle and with the largest model loaded.
 *
 *   npm run bench:worker -- [--models synth-5m,synth-300m] [--threads 2] [--runs 5] [--max-tokens 128]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isPresetName, MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { FleetHarness, type JobView } from '../test/support/fleet-harness.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'synth-5m,synth-300m' },
    threads: { type: 'string', default: '2' },
    runs: { type: 'string', default: '5' },
    'max-tokens': { type: 'string', default: '128' },
  },
});
const models = values.models!.split(',');
const threads = values.threads!;
const runs = Number(values.runs);
const maxTokens = Number(values['max-tokens']);
// 63 characters: about 64 tokens with BOS on the synthetic byte-level vocabulary.
const prompt = 'The quick brown fox jumps over the lazy dog while the band plays';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
for (const name of models) {
  if (!isPresetName(name)) throw new Error(`unknown preset ${name}`);
  process.stderr.write(`writing ${name}…\n`);
  await writeSyntheticModel(join(dir, `${name}.gguf`), MODEL_PRESETS[name]);
}

const fleet = new FleetHarness({
  modelsDir: dir,
  env: { LOG_LEVEL: 'warn', JOB_LOCK_MS: '30000', STALLED_INTERVAL_MS: '15000' },
  workerEnv: { WORKER_THREADS: threads, WORKER_SLOTS: '1', WORKER_MAX_JOBS: '1' },
});
const rows: string[][] = [];
const memory: string[][] = [];
try {
  await fleet.start();
  const rss = () => fleet.processes.map((p) => [p.role, mib(rssOf(p.child.pid!))]);
  memory.push(['idle', ...rss().map(([, v]) => v)]);
  for (const model of models) {
    process.stderr.write(`${model}: ${runs} jobs through the fleet…\n`);
    const views: JobView[] = [];
    for (let run = 0; run <= runs; run++) {
      const id = await fleet.submit({ model, prompt, max_tokens: maxTokens, temperature: 0 });
      const view = await fleet.waitForFinished(id, 300_000);
      if (view.state !== 'completed') throw new Error(`job ${id}: ${JSON.stringify(view)}`);
      if (run > 0) views.push(view); // the first job pays the model load
    }
    memory.push([`${model} loaded`, ...rss().map(([, v]) => v)]);
    const workerTtft = median(
      views.map((v) => v.timings!.timeToFirstTokenMs - v.timings!.queueWaitMs),
    );
    const e2eTtft = median(views.map((v) => v.timings!.timeToFirstTokenMs));
    const workerRate = median(views.map((v) => v.timings!.decodeTokensPerSecond));

    process.stderr.write(`${model}: bare node-llama-cpp…\n`);
    const script = fileURLToPath(new URL('./bare-generate.js', import.meta.url));
    const bare = spawnSync(
      process.execPath,
      [
        script,
        '--model',
        join(dir, `${model}.gguf`),
        '--threads',
        threads,
        '--prompt',
        prompt,
        '--max-tokens',
        String(maxTokens),
        '--runs',
        String(runs),
      ],
      { encoding: 'utf8' },
    );
    if (bare.status !== 0) throw new Error(`bare run failed: ${bare.stderr}`);
    const b = JSON.parse(bare.stdout.trim().split('\n').at(-1)!);
    rows.push([
      model,
      `${views[0].usage?.prompt_tokens}`,
      `${workerTtft.toFixed(1)} ms`,
      `${e2eTtft.toFixed(1)} ms`,
      `${b.ttftMs.toFixed(1)} ms`,
      `${workerRate.toFixed(1)}`,
      `${b.decodeTokensPerSecond.toFixed(1)}`,
      `${(workerRate / b.decodeTokensPerSecond).toFixed(2)}×`,
      mib(b.rssBytes),
    ]);
  }
} finally {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}

const table = (header: string[], body: string[][]) => {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  return [header, ...body]
    .map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  '))
    .join('\n');
};
console.log(
  `\nthreads ${threads}, ${maxTokens} generated tokens, median of ${runs} runs after one warm-up, temperature 0\n`,
);
console.log(
  table(
    [
      'model',
      'prompt tok',
      'TTFT in worker',
      'TTFT submit→token',
      'TTFT bare',
      'decode tok/s worker',
      'bare',
      'worker/bare',
      'bare RSS',
    ],
    rows,
  ),
);
console.log('\nresident memory (VmRSS)');
console.log(table(['when', 'api', 'scheduler', 'worker'], memory));
