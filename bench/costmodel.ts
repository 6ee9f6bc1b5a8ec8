/**
 * The cost model against this machine: the profiler measures the synthetic Q8_0 presets at each
 * thread count and probes the host's bandwidth; the cost model, given nothing but that probe
 * (no model profile, no per-model constant), predicts each decode rate. Then the measured
 * preemption components per model (reload vs KV save + restore vs recompute) and the cost
 * model's own figures for them.
 *
 *   npm run bench:costmodel -- [--models synth-50m,synth-300m,synth-850m] [--threads 1,2] [--runs 3]
 *
 * Run it on an otherwise idle machine: two llama.cpp threads on two cores collapse when any
 * other process wants a core. Before each thread count it waits (up to --quiet-wait seconds) until
 * other processes use under 10 % of the CPUs, and it prints the share they used while each figure
 * was measured ("other load").
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CostModel, modelSpecFromInfo, type ModelSpec } from '#switchyard/cost-model';
import { isPresetName, MODEL_PRESETS, readModelInfo, writeSyntheticModel } from '#switchyard/gguf';
import {
  formatBytes,
  formatMs,
  formatRate,
  formatTable,
  measurementTable,
  preemptionBreakdown,
  preemptionTable,
  runProfiler,
  spread,
} from '#switchyard/profiler';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'synth-50m,synth-300m,synth-850m' },
    threads: { type: 'string', default: '1,2' },
    runs: { type: 'string', default: '3' },
    'kv-tokens': { type: 'string', default: '512' },
    'quiet-wait': { type: 'string', default: '900' },
  },
});
const names = values.models!.split(',').map((n) => n.trim());
const threads = values.threads!.split(',').map(Number);
const runs = Number(values.runs);
const kvTokens = Number(values['kv-tokens']);
const quietWaitMs = Number(values['quiet-wait']) * 1000;
// Other processes may use this share of the CPUs before a thread count starts (see waitForQuiet).
const MAX_OTHER_LOAD = 0.1;
const TOLERANCE = 0.25;
const log = (message: string) => process.stderr.write(`${message}\n`);

const llamaVersion = (
  JSON.parse(
    readFileSync(
      new URL('../../node_modules/node-llama-cpp/package.json', import.meta.url),
      'utf8',
    ),
  ) as { version: string }
).version;
const started = performance.now();
const dir = await mkdtemp(join(tmpdir(), 'switchyard-costmodel-'));
// Over 2 GB of models: an interrupted run must not leave them behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}
try {
  const targets = [];
  const specs = new Map<string, ModelSpec>();
  for (const name of names) {
    if (!isPresetName(name)) throw new Error(`unknown preset ${name}`);
    log(`writing ${name}…`);
    const path = join(dir, `${name}.gguf`);
    await writeSyntheticModel(path, MODEL_PRESETS[name]);
    targets.push({ name, path });
    specs.set(name, modelSpecFromInfo(await readModelInfo(path, name)));
  }
  const result = await runProfiler({
    targets,
    threads,
    gpu: false,
    workDir: dir,
    model: { runs, kvTokens },
    quiet: { maxShare: MAX_OTHER_LOAD, maxWaitMs: quietWaitMs },
    onProgress: log,
  });
  const probe = result.probe!;
  const seconds = (performance.now() - started) / 1000;

  // The scheduler's view of this host with the probe stored and no model profile.
  const costModel = new CostModel().withProfile(probe.profile);
  const decodeRows = result.measurements.map((m) => {
    const level = m.levels[0]!;
    const query = {
      model: specs.get(m.model)!,
      device: 'cpu',
      gpuLayers: 0,
      contextSize: 2048,
      threads: m.threads,
    };
    const prediction = costModel.decode(query);
    const ratio = prediction.value / level.decodeTokensPerSecond;
    const probeLoad = probe.points.find((p) => p.threads === m.threads)?.otherLoad ?? 0;
    return {
      ok: Math.abs(ratio - 1) <= TOLERANCE,
      cells: [
        m.model,
        String(m.threads),
        formatRate(level.decodeTokensPerSecond),
        `${(spread(level.decodeRuns) * 100).toFixed(0)} %`,
        `${(m.otherLoad * 100).toFixed(0)} % / ${(probeLoad * 100).toFixed(0)} %`,
        `${formatRate(prediction.value)} (${prediction.source})`,
        ratio.toFixed(2),
        Math.abs(ratio - 1) <= TOLERANCE ? 'yes' : 'NO',
      ],
    };
  });
  const componentRows = result.measurements.map((m) => {
    const b = preemptionBreakdown(m);
    const query = {
      model: specs.get(m.model)!,
      device: 'cpu',
      gpuLayers: 0,
      contextSize: 2048,
      threads: m.threads,
    };
    const predicted = costModel.predictPreemptionCosts(query, {
      promptTokens: b.tokens,
      generatedTokens: 0,
    });
    const recompute = predicted['recompute-kv'].seconds * 1000;
    const kv = predicted['save-restore-kv'].seconds * 1000;
    const reload = predicted['evict-reload'].seconds * 1000 - recompute;
    const pair = (p: number, measured: number) =>
      `${formatMs(p)} / ${formatMs(measured)} (${(p / measured).toFixed(2)})`;
    return [
      m.model,
      String(m.threads),
      pair(reload, b.reloadWarm.ms),
      pair(kv, b.kvSaveRestore.ms),
      `${formatBytes(predicted['save-restore-kv'].bytesMoved)} / ${formatBytes(b.kvSaveRestore.bytes)}`,
      pair(recompute, b.recompute.ms),
    ];
  });

  console.log(
    `\nmachine: ${cpus()[0]?.model.trim()}, ${cpus().length} vCPUs, ${formatBytes(totalmem())} RAM; ` +
      `node ${process.version}, node-llama-cpp ${llamaVersion}, CPU backend; ` +
      `(load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}); wall time ${seconds.toFixed(0)} s`,
  );
  console.log(
    `\nhost probe (decodes of a ${formatBytes(probe.fileBytes)} and a small synthetic Q8_0 model, ` +
      `${runs} runs each, median; time per token = fixed + bytes / bandwidth through both):\n` +
      probe.points
        .map(
          (p) =>
            `  ${p.threads} thread(s): ${p.tokensPerSecond.toFixed(1)} tok/s × ` +
            `${formatBytes(p.bytesPerToken)}/token and ${p.overhead.tokensPerSecond.toFixed(0)} tok/s × ` +
            `${formatBytes(p.overhead.bytesPerToken)}/token → ${(p.bytesPerSecond / 1e9).toFixed(2)} GB/s` +
            (p.tokenOverheadMs === undefined
              ? ' (no fit: from the large model alone)'
              : ` + ${p.tokenOverheadMs.toFixed(2)} ms per token`),
        )
        .join('\n'),
  );
  console.log(
    `\nprobe: cold load ${probe.coldLoadMs === undefined ? '–' : `${formatMs(probe.coldLoadMs)} ms`}` +
      `, warm load ${formatMs(probe.warmLoadMs)} ms` +
      ` (${probe.eviction.evicted ? 'evicted' : 'not evicted'}: ${probe.eviction.method})`,
  );
  console.log(
    `\ndecode tokens/s: cost model (host probe only, no per-model figure) vs profiler ` +
      `(median of ${runs} runs of 64 tokens after a 16-token prompt)\n`,
  );
  console.log(
    formatTable(
      [
        'model',
        'threads',
        'measured',
        'spread',
        'other load (model / probe)',
        'predicted',
        'pred/meas',
        `within ±${TOLERANCE * 100} %`,
      ],
      decodeRows.map((r) => r.cells),
    ),
  );
  const inside = decodeRows.filter((r) => r.ok).length;
  console.log(`\n${inside} of ${decodeRows.length} predictions within ±${TOLERANCE * 100} %`);
  console.log(`\npreemption cost, measured (sequence of about ${kvTokens} tokens)\n`);
  console.log(preemptionTable(result.measurements.map(preemptionBreakdown)));
  console.log(`\npreemption components: cost model (probe only) / measured, ms (ratio)\n`);
  console.log(
    formatTable(
      ['model', 'threads', 'reload warm', 'KV save+restore', 'KV bytes moved', 'recompute'],
      componentRows,
    ),
  );
  console.log('\neverything the profiler measured\n');
  console.log(measurementTable(result.measurements));
} finally {
  await rm(dir, { recursive: true, force: true });
}
