/**
 * The cost model against llama.cpp on an H100: reads the measurements that bench/gpu/device-check.sh
 * took on the device machine (bench/gpu/h100-results.json) and prints, for every synthetic model
 * and GPU-layer count, measured decode and prefill tokens/s beside the cost model's prediction for
 * the catalog's h100-sxm. The host part of each prediction comes from that machine's own probe
 * decodes (two models, fitted as the host probe fits them, at the sweep's thread count); nothing
 * else is measured input: GPU figures are the datasheet's and the engine factors the defaults.
 *
 *   npm run build && node dist/bench/gpu/compare.js [results.json] [--svg docs/h100-offload.svg]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  CostModel,
  DEFAULT_COST_ENVIRONMENT,
  blockBytes,
  blockFlopsPerPromptToken,
  DEFAULT_ENGINE_FACTORS,
  DEVICE_CATALOG,
  decodeBreakdown,
  hostDecodeFit,
  linkBytesPerSecond,
  modelSpecFromShape,
  type DeviceProfile,
  type ModelSpec,
} from '#switchyard/cost-model';
import { formatTable, measuredCurveChartSvg, type MeasuredCurvePanel } from '#switchyard/profiler';

interface ResultRow {
  label: string;
  model: string;
  gpuLayers: number;
  threads: number;
  promptTokens: number;
  generatedTokens: number;
  microBatch: number;
  tokensPerSecond: number;
  stddev: number;
}

interface Results {
  machine: Record<string, string>;
  command: string;
  benchOptions: string;
  models: Record<string, Parameters<typeof modelSpecFromShape>[1] & { type: string }>;
  rows: ResultRow[];
}

const DEVICE = 'h100-sxm';
const SWEEPS = ['synth-50m', 'synth-300m', 'synth-850m', 'synth-3b'];
const args = parseArgs({ allowPositionals: true, options: { svg: { type: 'string' } } });
const path = args.positionals[0] ?? 'bench/gpu/h100-results.json';
const results = JSON.parse(readFileSync(path, 'utf8')) as Results;
const specs = new Map<string, ModelSpec>(
  Object.entries(results.models).map(([name, shape]) => [
    name,
    modelSpecFromShape(name, shape, shape.type),
  ]),
);
const spec = (name: string): ModelSpec => {
  const found = specs.get(name);
  if (found === undefined) throw new Error(`no shape for ${name} in ${path}`);
  return found;
};
const ratio = (predicted: number, measured: number) => (predicted / measured).toFixed(2);
const within = (predicted: number, measured: number) => Math.abs(predicted / measured - 1) <= 0.25;

console.log(`machine: ${Object.values(results.machine).join('; ')}`);
console.log(`measured with: ${results.benchOptions}\n`);

// 1. The host, as the host probe sees it: two all-CPU decodes per thread count, fitted.
const hostRows: string[][] = [];
const hostBandwidth: DeviceProfile['hostBandwidth'] = [];
for (const threads of [...new Set(results.rows.map((r) => r.threads))].sort((a, b) => a - b)) {
  const probe = (model: string) =>
    results.rows.find(
      (r) => r.label.startsWith('host-probe') && r.model === model && r.threads === threads,
    );
  const small = probe('host-probe-overhead');
  const large = probe('host-probe');
  if (small === undefined || large === undefined) continue;
  const at = (model: string) => ({
    model: spec(model),
    device: DEVICE_CATALOG.cpu,
    gpuLayers: 0,
    contextSize: 512,
    threads,
  });
  const fit = hostDecodeFit(
    { placement: at(small.model), tokensPerSecond: small.tokensPerSecond },
    { placement: at(large.model), tokensPerSecond: large.tokensPerSecond },
  );
  if (fit === undefined) continue;
  hostBandwidth.push({ threads, ...fit });
  hostRows.push([
    String(threads),
    small.tokensPerSecond.toFixed(0),
    large.tokensPerSecond.toFixed(1),
    (fit.bytesPerSecond / 1e9).toFixed(1),
    fit.tokenOverheadMs.toFixed(2),
  ]);
}
console.log('host probe on the device machine (all layers on the CPU, llama-bench tg64):\n');
console.log(
  formatTable(['threads', 'small tok/s', 'large tok/s', 'GB/s', 'fixed ms/token'], hostRows),
);

// 2. The offload sweeps against the catalog H100 with that host at the sweep's thread count.
const sweepThreads = results.rows.find((r) => r.label === SWEEPS[0])?.threads ?? 8;
const hostPoint = hostBandwidth.filter((p) => p.threads === sweepThreads);
const microBatch = results.rows.find((r) => r.label === SWEEPS[0])?.microBatch ?? 64;
const costModel = new CostModel({
  factors: { ...DEFAULT_ENGINE_FACTORS, batchTokens: microBatch },
}).withProfile({ device: DEVICE, hostBandwidth: hostPoint });
const env = costModel.environment(DEVICE);
// The per-GPU-block cost these measurements imply (see the summary), in place of the assumed 20 µs.
const MEASURED_GPU_BLOCK_MS = 0.045;
const measuredBlockModel = new CostModel({
  factors: { ...env.factors, gpuLayerOverheadMs: MEASURED_GPU_BLOCK_MS },
}).withProfile({ device: DEVICE, hostBandwidth: hostPoint });
const summary: string[][] = [];
const prefillSummary: string[][] = [];
const panels: MeasuredCurvePanel[] = [];
for (const model of SWEEPS) {
  const rows = results.rows.filter((r) => r.label === model);
  if (rows.length === 0) continue;
  const m = spec(model);
  const table: string[][] = [];
  let partialHeld = 0;
  let partialHeldMeasured = 0;
  let partial = 0;
  let fullDecode = '';
  let fullDecodeMeasured = '';
  let fullPrefill = '';
  for (const decode of rows
    .filter((r) => r.generatedTokens > 0)
    .sort((a, b) => a.gpuLayers - b.gpuLayers)) {
    const query = {
      model: m,
      device: DEVICE,
      gpuLayers: decode.gpuLayers,
      contextSize: 4096,
      threads: decode.threads,
    };
    const decodePredicted = costModel.predictDecodeTokensPerSecond(
      query,
      decode.generatedTokens / 2,
    );
    const withMeasuredBlocks = measuredBlockModel.predictDecodeTokensPerSecond(
      query,
      decode.generatedTokens / 2,
    );
    const prefill = rows.find((r) => r.promptTokens > 0 && r.gpuLayers === decode.gpuLayers);
    const prefillPredicted =
      prefill && costModel.predictPrefillTokensPerSecond(query, prefill.promptTokens);
    const full = decode.gpuLayers > m.layers;
    if (full) {
      fullDecode = ratio(decodePredicted, decode.tokensPerSecond);
      fullDecodeMeasured = ratio(withMeasuredBlocks, decode.tokensPerSecond);
      if (prefill && prefillPredicted)
        fullPrefill = ratio(prefillPredicted, prefill.tokensPerSecond);
    } else {
      partial++;
      if (within(decodePredicted, decode.tokensPerSecond)) partialHeld++;
      if (within(withMeasuredBlocks, decode.tokensPerSecond)) partialHeldMeasured++;
    }
    table.push([
      `${decode.gpuLayers}/${m.layers + 1}`,
      decode.tokensPerSecond.toFixed(1),
      decodePredicted.toFixed(1),
      ratio(decodePredicted, decode.tokensPerSecond),
      ratio(withMeasuredBlocks, decode.tokensPerSecond),
      prefill ? prefill.tokensPerSecond.toFixed(0) : '–',
      prefillPredicted ? prefillPredicted.toFixed(0) : '–',
      prefill && prefillPredicted ? ratio(prefillPredicted, prefill.tokensPerSecond) : '–',
    ]);
  }
  console.log(
    `\n${model} on ${DEVICE} (${(m.fileBytes / 2 ** 20).toFixed(0)} MiB, ${m.layers} blocks), ` +
      `${sweepThreads} host threads; decode and prefill tokens/s, predicted / measured:\n`,
  );
  console.log(
    formatTable(
      ['GPU layers', 'decode meas', 'pred', 'ratio', '45 µs', 'prefill meas', 'pred', 'ratio'],
      table,
    ),
  );
  // What a fully offloaded token costs beyond reading its bytes at the formula's GPU rate.
  const fullRow = rows.find((r) => r.generatedTokens > 0 && r.gpuLayers > m.layers);
  const perBlock = fullRow
    ? (() => {
        const d = decodeBreakdown(
          {
            model: m,
            device: DEVICE_CATALOG[DEVICE],
            gpuLayers: fullRow.gpuLayers,
            contextSize: 4096,
            threads: sweepThreads,
          },
          fullRow.generatedTokens / 2,
          { ...DEFAULT_COST_ENVIRONMENT, factors: { ...env.factors, gpuLayerOverheadMs: 0 } },
        );
        return ((1000 / fullRow.tokensPerSecond - d.msPerToken) / m.layers).toFixed(3);
      })()
    : '–';
  const decodes = rows
    .filter((r) => r.generatedTokens > 0)
    .sort((a, b) => a.gpuLayers - b.gpuLayers);
  const curve = (label: string, model: CostModel) => ({
    label,
    points: Array.from({ length: m.layers + 2 }, (_, gpuLayers) => ({
      gpuLayers,
      tokensPerSecond: model.predictDecodeTokensPerSecond(
        { model: m, device: DEVICE, gpuLayers, contextSize: 4096, threads: sweepThreads },
        (decodes[0]?.generatedTokens ?? 64) / 2,
      ),
    })),
  });
  panels.push({
    title: `${model} · Q8_0 · ${(m.fileBytes / 2 ** 20).toFixed(0)} MiB · ${m.layers} blocks`,
    maxGpuLayers: m.layers + 1,
    measured: { label: 'measured', points: decodes },
    predicted: [
      curve(
        `cost model (${(env.factors.gpuLayerOverheadMs * 1000).toFixed(0)} µs/GPU block)`,
        costModel,
      ),
      curve(`with ${MEASURED_GPU_BLOCK_MS * 1000} µs/GPU block`, measuredBlockModel),
    ],
  });
  // Prefill: what the measurements imply for the two rates the formula uses.
  const prefillAt = (gpuLayers: number) =>
    rows.find((r) => r.promptTokens > 0 && r.gpuLayers === gpuLayers);
  const allHost = prefillAt(0);
  const allGpu = prefillAt(m.layers + 1);
  if (allHost && allGpu) {
    const msPerMicroBatch = (r: ResultRow) => (1000 / r.tokensPerSecond) * r.microBatch;
    const flopsPerToken = blockFlopsPerPromptToken(m, allGpu.promptTokens) * m.layers;
    prefillSummary.push([
      model,
      // All blocks on the host: llama.cpp ships their weights to the GPU once per micro-batch.
      ((blockBytes(m, 0, m.layers) / msPerMicroBatch(allHost)) * 1e-6).toFixed(1),
      ((flopsPerToken * allGpu.tokensPerSecond) / 1e12).toFixed(1),
      (msPerMicroBatch(allGpu) / m.layers).toFixed(3),
    ]);
  }
  summary.push([
    model,
    `${partialHeld} / ${partialHeldMeasured} of ${partial}`,
    `${fullDecode} / ${fullDecodeMeasured}`,
    perBlock,
    fullPrefill,
  ]);
}
console.log(
  `\nsummary: predicted / measured; "a / b": with the assumed ` +
    `${(env.factors.gpuLayerOverheadMs * 1000).toFixed(0)} µs per GPU block / with ` +
    `${MEASURED_GPU_BLOCK_MS * 1000} µs\n`,
);
console.log(
  formatTable(
    [
      'model',
      'decode within ±25 %, 0..layers',
      'decode, all on GPU',
      'ms per GPU block unexplained',
      'prefill, all on GPU',
    ],
    summary,
  ),
);

console.log(
  '\nprefill, what the measurements imply (micro-batches of ' +
    `${microBatch} tokens; the formula assumes ` +
    `${(linkBytesPerSecond(DEVICE_CATALOG[DEVICE], env) * 1e-9).toFixed(0)} GB/s ` +
    `for shipping host weights and ${(env.factors.gpuComputeEfficiency * DEVICE_CATALOG[DEVICE].fp16FlopsPerSecond * 1e-12).toFixed(0)} TFLOP/s):\n`,
);
console.log(
  formatTable(
    ['model', 'GB/s shipped, 0 GPU layers', 'TFLOP/s, all on GPU', 'ms per block per micro-batch'],
    prefillSummary,
  ),
);

if (args.values.svg !== undefined) {
  const svg = measuredCurveChartSvg({
    title: 'Decode tokens/s by GPU layers on an H100: measured against the cost model',
    subtitle:
      `llama-bench tg64 on ${results.machine.gpu?.split(',')[0]}, ${sweepThreads} host threads, ` +
      `${results.machine.date}; host part from that machine's probe decodes`,
    panels,
  });
  writeFileSync(args.values.svg, svg);
  console.log(`\nwrote ${args.values.svg}`);
}
