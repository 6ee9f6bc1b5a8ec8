import { existsSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CommonEnv, loadEnv, RedisKeys } from '#switchyard/contracts';
import {
  CostModel,
  modelSpecFromInfo,
  parseDeviceProfile,
  parseModelProfile,
  type Profiles,
} from '#switchyard/cost-model';
import { createRedisConnection, ProfileStore } from '#switchyard/fleet';
import { isPresetName, MODEL_PRESETS, readModelInfo, writeSyntheticModel } from '#switchyard/gguf';
import {
  measurementTable,
  preemptionBreakdown,
  preemptionChartSvg,
  preemptionTable,
  runProfiler,
  sensitivityChartSvg,
  type ProfilerRunResult,
  type ProfileTarget,
} from '#switchyard/profiler';

const USAGE = `usage: switchyard profile --models LIST [options]

Measures each model on this machine's device: load time (cold and warm), prefill and decode
tokens/s at every offload level the device allows and each thread count, KV state save/restore
time and bytes per token, and the recompute rate; then probes the host's memory bandwidth.
Prints tables, writes <out>/<device>.json (the cost model's profiles), <out>/sensitivity.svg and
<out>/preemption-cost.svg, and with --redis stores the profiles where the scheduler reads them.
Progress goes to stderr. Run it on an otherwise idle machine: the figures are timings.

options:
  --models LIST       comma-separated preset names (written to --models-dir when missing),
                      model names in --models-dir, or .gguf paths
  --threads LIST      thread counts, one engine each (default: the worker's, cores - 1)
  --out DIR           output folder (default profiles/)
  --redis             store the profiles in Redis (REDIS_URL, SWITCHYARD_PREFIX)
  --device ID         catalog id to store them under (default: matched from the device)
  --gpu BACKEND       auto, cuda, vulkan, metal or false (default auto)
  --gpu-layers LIST   offload levels to measure (default: all the device allows; 0 on a CPU)
  --gpus LIST         catalog GPUs drawn in the sensitivity chart (default h100-sxm,a10,t4)
  --models-dir DIR    where model names are looked up (default MODELS_DIR, else models/)
  --runs N            runs per figure, the median counts (default 3)
  --kv-tokens N       sequence length for KV save/restore and recompute (default 512)
  --batch LIST        sequences of one copy decoding at once, as a worker's slots do
                      (default 2; 0 skips the batched decode)
  --quiet-wait S      before each thread count, wait up to S seconds until other processes
                      use under 10 % of the CPUs (default 0: measure at once)
  --no-probe          skip the host bandwidth probe
  --no-cold           skip the cold load (it evicts the file from the page cache)`;

const OPTIONS = {
  models: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string', default: 'profiles' },
  redis: { type: 'boolean', default: false },
  device: { type: 'string' },
  gpu: { type: 'string', default: 'auto' },
  'gpu-layers': { type: 'string' },
  gpus: { type: 'string', default: 'h100-sxm,a10,t4' },
  'models-dir': { type: 'string' },
  runs: { type: 'string', default: '3' },
  'kv-tokens': { type: 'string', default: '512' },
  batch: { type: 'string', default: '2' },
  'quiet-wait': { type: 'string', default: '0' },
  'no-probe': { type: 'boolean', default: false },
  'no-cold': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (error) {
    throw new Error(`profile: ${(error as Error).message}\n\n${USAGE}`, { cause: error });
  }
}

function integers(flag: string, raw: string | undefined, min: number): number[] | undefined {
  if (raw === undefined) return undefined;
  return raw.split(',').map((part) => {
    const value = Number(part.trim());
    if (!/^\d+$/.test(part.trim()) || value < min) {
      throw new Error(`profile: --${flag} must list integers >= ${min} (got "${raw}")`);
    }
    return value;
  });
}

const log = (message: string) => process.stderr.write(`${message}\n`);

/** Each --models entry as a file: a path, a model in the models folder, or a preset written there. */
async function resolveTargets(list: string, modelsDir: string): Promise<ProfileTarget[]> {
  const targets: ProfileTarget[] = [];
  for (const entry of list
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    if (entry.toLowerCase().endsWith('.gguf')) {
      if (!existsSync(entry)) throw new Error(`profile: no such model file: ${entry}`);
      targets.push({ name: basename(entry).replace(/\.gguf$/i, ''), path: resolve(entry) });
      continue;
    }
    const path = resolve(modelsDir, `${entry}.gguf`);
    if (!existsSync(path)) {
      if (!isPresetName(entry)) {
        throw new Error(`profile: "${entry}" is no preset, and ${path} does not exist`);
      }
      log(`writing preset ${entry} to ${path}`);
      await writeSyntheticModel(path, MODEL_PRESETS[entry]);
    }
    targets.push({ name: entry, path });
  }
  if (targets.length === 0) throw new Error(`profile: --models names no model\n\n${USAGE}`);
  return targets;
}

/** The profiles already in the file, with this run's in place of those for the same keys. */
async function mergeWithFile(path: string, profiles: Profiles): Promise<Profiles> {
  if (!existsSync(path)) return profiles;
  const old = JSON.parse(await readFile(path, 'utf8')) as Profiles;
  const models = (old.models ?? []).map(parseModelProfile);
  const devices = (old.devices ?? []).map(parseDeviceProfile);
  const key = (p: { model: string; device: string }) => `${p.model}\u0000${p.device}`;
  const fresh = new Set(profiles.models.map(key));
  const freshDevices = new Set(profiles.devices.map((d) => d.device));
  return {
    models: [...models.filter((m) => !fresh.has(key(m))), ...profiles.models],
    devices: [...devices.filter((d) => !freshDevices.has(d.device)), ...profiles.devices],
  };
}

/** The two SVGs of a profiler run. */
async function charts(
  result: ProfilerRunResult,
  targets: ProfileTarget[],
  gpus: string[],
  contextSize: number,
): Promise<{ sensitivity: string; preemption: string }> {
  const probe = result.profiles.devices[0];
  const host = probe ? new CostModel().withProfile(probe).hostFor(result.device) : undefined;
  const costModel = new CostModel(host ? { host } : {});
  const { servingThreads } = result;
  const models = await Promise.all(
    targets.map(async (target) => ({
      spec: modelSpecFromInfo(await readModelInfo(target.path, target.name)),
      measuredCpu: result.measurements
        .filter((m) => m.model === target.name)
        .flatMap((m) =>
          m.levels
            .filter((l) => l.gpuLayers === 0)
            .map((l) => ({ threads: m.threads, tokensPerSecond: l.decodeTokensPerSecond })),
        ),
    })),
  );
  const bandwidth = probe?.hostBandwidth
    .map((b) => `${(b.bytesPerSecond / 1e9).toFixed(1)} GB/s × ${b.threads}t`)
    .join(', ');
  const date = new Date().toISOString().slice(0, 10);
  const sensitivity = sensitivityChartSvg({
    models,
    gpus,
    costModel,
    contextSize,
    threads: servingThreads,
    subtitle:
      `Curves: cost model on catalog GPUs, host part at ${servingThreads} thread(s)` +
      (bandwidth ? ` of this host's probed ${bandwidth}` : '') +
      `. Dots: measured on ${result.deviceName}, ${date}.`,
  });
  const breakdowns = result.measurements
    .filter((m) => m.threads === servingThreads)
    .map(preemptionBreakdown);
  const preemption = preemptionChartSvg(
    breakdowns,
    `Measured on ${result.deviceName} (${result.device}), ${date}; a sequence of about 512 tokens; ` +
      'KV state written to and read from the page cache.',
  );
  return { sensitivity, preemption };
}

/** `switchyard profile ...`: argv is what follows the command name. Bad input throws an Error. */
export async function profileCommand(argv: string[]): Promise<void> {
  const { values: flags } = parseFlags(argv);
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  if (!flags.models) throw new Error(`profile: --models is required\n\n${USAGE}`);
  const env = loadEnv(CommonEnv);
  const gpu = flags.gpu === 'false' ? false : flags.gpu;
  if (gpu !== false && !['auto', 'cuda', 'vulkan', 'metal'].includes(gpu)) {
    throw new Error(`profile: --gpu must be auto, cuda, vulkan, metal or false (got "${gpu}")`);
  }
  const gpus = flags.gpus
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const plain = new CostModel();
  for (const id of gpus) plain.device(id);
  const [runs] = integers('runs', flags.runs, 1)!;
  const [kvTokens] = integers('kv-tokens', flags['kv-tokens'], 16)!;
  const gpuLayers = integers('gpu-layers', flags['gpu-layers'], 0);
  const batchSequences = integers('batch', flags.batch, 0)!.filter((n) => n >= 2);
  const [quietWait] = integers('quiet-wait', flags['quiet-wait'], 0)!;
  const targets = await resolveTargets(flags.models, flags['models-dir'] ?? env.MODELS_DIR);
  const workDir = join(tmpdir(), `switchyard-profile-${process.pid}`);
  // The probe model and state files: an interrupted run must not leave them behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  }

  const started = performance.now();
  let result: ProfilerRunResult;
  try {
    result = await runProfiler({
      targets,
      threads: integers('threads', flags.threads, 1),
      gpu: gpu as 'auto' | 'cuda' | 'vulkan' | 'metal' | false,
      ...(flags.device ? { device: flags.device } : {}),
      probe: !flags['no-probe'],
      ...(quietWait! > 0 ? { quiet: { maxShare: 0.1, maxWaitMs: quietWait! * 1000 } } : {}),
      workDir,
      model: {
        runs,
        kvTokens,
        batchSequences,
        cold: !flags['no-cold'],
        ...(gpuLayers ? { gpuLayers } : {}),
      },
      onProgress: log,
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;

  console.log(`\n${result.deviceName} (${result.device}), measured in ${seconds.toFixed(0)} s\n`);
  console.log(measurementTable(result.measurements));
  if (result.probe) {
    const p = result.probe;
    console.log(
      `\nhost bandwidth probe (${(p.fileBytes / 2 ** 20).toFixed(0)} MiB model): ` +
        p.points
          .map(
            (pt) =>
              `${pt.threads} thread(s) ${pt.tokensPerSecond.toFixed(1)} tok/s → ${(pt.bytesPerSecond / 1e9).toFixed(2)} GB/s`,
          )
          .join('; ') +
        (p.coldLoadMs === undefined ? '' : `; cold load ${p.coldLoadMs.toFixed(0)} ms`) +
        `; warm load ${p.warmLoadMs.toFixed(0)} ms`,
    );
  }
  console.log(`\npreemption cost (measured)\n`);
  console.log(preemptionTable(result.measurements.map(preemptionBreakdown)));

  await mkdir(flags.out, { recursive: true });
  const file = join(flags.out, `${result.device}.json`);
  const merged = await mergeWithFile(file, result.profiles);
  await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
  const svgs = await charts(result, targets, gpus, env.CONTEXT_SIZE);
  const sensitivityPath = join(flags.out, 'sensitivity.svg');
  const preemptionPath = join(flags.out, 'preemption-cost.svg');
  await writeFile(sensitivityPath, svgs.sensitivity);
  await writeFile(preemptionPath, svgs.preemption);
  console.log(`\nwrote ${file}, ${sensitivityPath}, ${preemptionPath}`);

  if (flags.redis) {
    const redis = createRedisConnection(env.REDIS_URL, 'switchyard-profile');
    try {
      await new ProfileStore(redis, new RedisKeys(env.SWITCHYARD_PREFIX)).saveAll(result.profiles);
      console.log(
        `stored ${result.profiles.models.length} model profile(s) and ${result.profiles.devices.length} host probe(s) in Redis (${env.REDIS_URL}, prefix ${env.SWITCHYARD_PREFIX})`,
      );
    } finally {
      await redis.quit();
    }
  }
}
