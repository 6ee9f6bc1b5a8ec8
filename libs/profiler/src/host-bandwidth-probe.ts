import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_COST_ENVIRONMENT,
  DEVICE_CATALOG,
  decodeBreakdown,
  hostBandwidthFromDecode,
  hostDecodeFit,
  modelSpecFromInfo,
  type CostEnvironment,
  type DeviceProfile,
  type ModelSpec,
  type Placement,
} from '#switchyard/cost-model';
import { LlamaEngine } from '#switchyard/engine';
import { readModelInfo, writeSyntheticModel, type SyntheticModelShape } from '#switchyard/gguf';
import { CpuLoadMeter } from './cpu-load-meter.js';
import { evictFromPageCache, type PageCacheEviction } from './page-cache.js';
import { PROBE_MODEL_SHAPE, PROBE_OVERHEAD_MODEL_SHAPE } from './probe-shapes.js';
import { promptOfTokens } from './prompt-text.js';
import { median, spread } from './statistics.js';

/** How to probe; every field has a default. */
export interface HostProbeOptions {
  /** Folder for the probe models (written, then deleted); default the OS temp folder. */
  dir?: string;
  /** The bandwidth model (default PROBE_MODEL_SHAPE; tests pass a small one). */
  shape?: SyntheticModelShape;
  /** The overhead model, few bytes per token (default PROBE_OVERHEAD_MODEL_SHAPE). */
  overheadShape?: SyntheticModelShape;
  /** Tokens decoded per run (default 32) and runs per thread count (default 3; the median counts). */
  decodeTokens?: number;
  runs?: number;
  /** Per-block and sampling overheads of the formula (default: the cost model's defaults). */
  env?: CostEnvironment;
  onProgress?: (message: string) => void;
}

/** One model's decode at one thread count. */
export interface ProbeDecode {
  tokensPerSecond: number;
  /** Each run's rate, to judge the noise. */
  runs: number[];
  /** Bytes the formula says one token reads (blocks, output, one embedding row). */
  bytesPerToken: number;
}

/** One thread count's two decodes and what they imply about the host. */
export interface HostProbePoint extends ProbeDecode {
  threads: number;
  /** The overhead model's decode; the fields above are the bandwidth model's. */
  overhead: ProbeDecode;
  bytesPerSecond: number;
  /** Fixed cost per token beyond the formula's per-block and sampling terms; absent if unfitted. */
  tokenOverheadMs?: number;
  /** Share of the machine other processes used meanwhile (see CpuLoadMeter). */
  otherLoad: number;
}

/** What the probe measured, and the DeviceProfile made of it. */
export interface HostProbeResult {
  profile: DeviceProfile;
  points: HostProbePoint[];
  fileBytes: number;
  coldLoadMs?: number;
  warmLoadMs: number;
  eviction: PageCacheEviction;
}

const NAME = 'host-probe';
const OVERHEAD_NAME = 'host-probe-overhead';

interface ProbeModel {
  path: string;
  spec: ModelSpec;
}

/**
 * Measures the host with llama.cpp itself, on the CPU, at each thread count: it decodes a
 * synthetic model much larger than the last-level cache and one of the same depth and vocabulary
 * that reads almost no bytes, and fits time per token = fixed cost + bytes / bandwidth through
 * the two (hostDecodeFit). A memcpy or a JavaScript loop would time other work per byte than
 * llama.cpp's SIMD Q8_0 dot products, which on small hosts bound the rate before DRAM does; one
 * decode alone would charge a fixed per-token cost (a thread waiting for a core) to the bandwidth.
 * The large file's first load, after evicting it from the page cache, gives the storage read rate:
 * bytes / (ms − the fixed setup). No page-cache rate is derived: a warm load of these files takes
 * about the fixed setup alone (it maps pages and parses the vocabulary), so it would be noise.
 */
export class HostBandwidthProbe {
  private readonly points: HostProbePoint[] = [];
  private readonly warmLoads: number[] = [];
  private coldLoadMs?: number;

  private constructor(
    private readonly large: ProbeModel,
    private readonly small: ProbeModel,
    private readonly eviction: PageCacheEviction,
    private readonly options: HostProbeOptions,
  ) {}

  /** Writes the two probe models and evicts the large one from the page cache (a cold load). */
  static async create(options: HostProbeOptions = {}): Promise<HostBandwidthProbe> {
    const write = async (shape: SyntheticModelShape, name: string): Promise<ProbeModel> => {
      const path = join(options.dir ?? tmpdir(), `${name}-${process.pid}.gguf`);
      options.onProgress?.(`host probe: writing ${shape.name} (${shape.layers} blocks, Q8_0)`);
      await writeSyntheticModel(path, shape);
      return { path, spec: modelSpecFromInfo(await readModelInfo(path, shape.name)) };
    };
    const large = await write(options.shape ?? PROBE_MODEL_SHAPE, NAME);
    const small = await write(options.overheadShape ?? PROBE_OVERHEAD_MODEL_SHAPE, OVERHEAD_NAME);
    const eviction = await evictFromPageCache(large.path);
    return new HostBandwidthProbe(large, small, eviction, options);
  }

  /** Decodes both probe models on a CPU engine at the engine's thread count. */
  async measure(engine: LlamaEngine): Promise<HostProbePoint> {
    const { threads } = engine;
    const env = this.options.env ?? DEFAULT_COST_ENVIRONMENT;
    const meter = CpuLoadMeter.start();
    const large = await this.decode(engine, NAME, this.large, true);
    const overhead = await this.decode(engine, OVERHEAD_NAME, this.small, false);
    const otherLoad = meter.otherShare();
    const at = (model: ProbeModel): Placement => ({
      model: model.spec,
      device: DEVICE_CATALOG.cpu,
      gpuLayers: 0,
      contextSize: 256,
      threads,
    });
    const fit = hostDecodeFit(
      { placement: at(this.small), tokensPerSecond: overhead.tokensPerSecond },
      { placement: at(this.large), tokensPerSecond: large.tokensPerSecond },
      env,
    );
    // Without a fit (the overhead model no faster than the large one: a disturbed run), the
    // large model's decode alone gives the bandwidth, as the formula's default overheads imply.
    const bytesPerSecond =
      fit?.bytesPerSecond ?? hostBandwidthFromDecode(at(this.large), large.tokensPerSecond, env);
    if (bytesPerSecond === undefined) {
      throw new Error(
        `host probe: ${large.tokensPerSecond.toFixed(1)} tokens/s at ${threads} threads is ` +
          'faster than the fixed overheads allow; the probe model is too small for this host',
      );
    }
    const point: HostProbePoint = {
      threads,
      ...large,
      overhead,
      bytesPerSecond,
      ...(fit === undefined ? {} : { tokenOverheadMs: fit.tokenOverheadMs }),
      otherLoad,
    };
    this.points.push(point);
    this.options.onProgress?.(
      `host probe: ${threads} thread(s): ${large.tokensPerSecond.toFixed(1)} and ` +
        `${overhead.tokensPerSecond.toFixed(1)} tokens/s (spread ${(spread(large.runs) * 100).toFixed(0)} ` +
        `and ${(spread(overhead.runs) * 100).toFixed(0)} %, other load ${(otherLoad * 100).toFixed(0)} %)` +
        ` → ${(bytesPerSecond / 1e9).toFixed(2)} GB/s` +
        (fit === undefined ? ', no fit' : ` + ${fit.tokenOverheadMs.toFixed(2)} ms per token`),
    );
    return point;
  }

  /** Loads one probe model (timing the load), decodes it `runs` times, unloads it. */
  private async decode(
    engine: LlamaEngine,
    name: string,
    model: ProbeModel,
    timeLoads: boolean,
  ): Promise<ProbeDecode> {
    const runs = this.options.runs ?? 3;
    const decodeTokens = this.options.decodeTokens ?? 32;
    const load = () =>
      engine.loadModel({ name, path: model.path, gpuLayers: 0, contextSize: 256, slots: 1 });
    const first = await load();
    if (timeLoads) {
      if (this.points.length === 0 && this.eviction.evicted) this.coldLoadMs = first.loadMs;
      else this.warmLoads.push(first.loadMs);
    }
    try {
      if (timeLoads) {
        await engine.unloadModel(name);
        this.warmLoads.push((await load()).loadMs);
      }
      const { prompt } = await promptOfTokens(engine, name, 8);
      const request = { model: name, prompt, temperature: 0 };
      await engine.generate({ ...request, maxTokens: 4 });
      const rates: number[] = [];
      for (let run = 0; run < runs; run++) {
        const result = await engine.generate({ ...request, maxTokens: decodeTokens });
        rates.push(result.timings.decodeTokensPerSecond);
      }
      const placement = {
        model: model.spec,
        device: DEVICE_CATALOG.cpu,
        gpuLayers: 0,
        contextSize: 256,
        threads: engine.threads,
      };
      const { hostBytesRead } = decodeBreakdown(placement, 0, this.options.env);
      return { tokensPerSecond: median(rates), runs: rates, bytesPerToken: hostBytesRead };
    } finally {
      await engine.unloadModel(name, { force: true });
    }
  }

  /** The DeviceProfile of every thread count measured so far, under a catalog id. */
  result(device: string, at: number = Date.now()): HostProbeResult {
    if (this.points.length === 0) throw new Error('host probe: nothing measured');
    const setupMs = (this.options.env ?? DEFAULT_COST_ENVIRONMENT).host.loadSetupMs;
    const { fileBytes } = this.large.spec;
    const rate = (ms: number | undefined) =>
      ms !== undefined && ms > setupMs ? (fileBytes / (ms - setupMs)) * 1000 : undefined;
    const warmLoadMs = median(this.warmLoads);
    const storage = rate(this.coldLoadMs);
    const points = [...this.points].sort((a, b) => a.threads - b.threads);
    return {
      profile: {
        device,
        hostBandwidth: points.map((p) => ({
          threads: p.threads,
          bytesPerSecond: p.bytesPerSecond,
          ...(p.tokenOverheadMs === undefined ? {} : { tokenOverheadMs: p.tokenOverheadMs }),
        })),
        ...(storage === undefined ? {} : { storageReadBytesPerSecond: storage }),
        updatedAt: at,
      },
      points,
      fileBytes,
      ...(this.coldLoadMs === undefined ? {} : { coldLoadMs: this.coldLoadMs }),
      warmLoadMs,
      eviction: this.eviction,
    };
  }

  /** Deletes the probe models. */
  async dispose(): Promise<void> {
    await rm(this.large.path, { force: true });
    await rm(this.small.path, { force: true });
  }
}

/**
 * Probes the host at each thread count with a CPU-only engine of its own (see
 * HostBandwidthProbe), for a catalog device id (default 'cpu').
 */
export async function probeHostBandwidth(
  options: HostProbeOptions & { threads?: number[]; device?: string } = {},
): Promise<HostProbeResult> {
  const probe = await HostBandwidthProbe.create(options);
  try {
    for (const threads of [...new Set(options.threads ?? [1])].sort((a, b) => a - b)) {
      const engine = await LlamaEngine.create({ threads, gpu: false });
      try {
        await probe.measure(engine);
      } finally {
        await engine.dispose();
      }
    }
    return probe.result(options.device ?? 'cpu');
  } finally {
    await probe.dispose();
  }
}
