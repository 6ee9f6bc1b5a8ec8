import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_COST_ENVIRONMENT,
  DEVICE_CATALOG,
  decodeBreakdown,
  hostBandwidthFromDecode,
  modelSpecFromInfo,
  type CostEnvironment,
  type DeviceProfile,
  type ModelSpec,
} from '#switchyard/cost-model';
import { LlamaEngine } from '#switchyard/engine';
import { readModelInfo, writeSyntheticModel, type SyntheticModelShape } from '#switchyard/gguf';
import { CpuLoadMeter } from './cpu-load-meter.js';
import { evictFromPageCache, type PageCacheEviction } from './page-cache.js';
import { promptOfTokens } from './prompt-text.js';
import { median, spread } from './statistics.js';

/**
 * The probe's model: 16 blocks of 30 MB of Q8_0 weights (480 MB, 15× a 32 MiB L3) and a
 * 1,024-token vocabulary, so that over 99 % of the bytes a token reads are block matmuls. Its
 * widths (1,536 and 4,096, full multi-head attention) are none of the presets', so the presets'
 * decode predictions are not this measurement read back.
 */
export const PROBE_MODEL_SHAPE: SyntheticModelShape = {
  name: 'host-probe',
  dim: 1536,
  layers: 16,
  heads: 12,
  kvHeads: 12,
  ffDim: 4096,
  vocabSize: 1024,
  contextLength: 512,
  type: 'Q8_0',
  seed: 7,
};

/** How to probe; every field has a default. */
export interface HostProbeOptions {
  /** Folder for the probe model (written, then deleted); default the OS temp folder. */
  dir?: string;
  /** The model to decode (default PROBE_MODEL_SHAPE; tests pass a small one). */
  shape?: SyntheticModelShape;
  /** Tokens decoded per run (default 32) and runs per thread count (default 3; the median counts). */
  decodeTokens?: number;
  runs?: number;
  /** Host overheads subtracted from each token's time (default: the cost model's defaults). */
  env?: CostEnvironment;
  onProgress?: (message: string) => void;
}

/** One thread count's decode of the probe model and the bandwidth it implies. */
export interface HostProbePoint {
  threads: number;
  tokensPerSecond: number;
  /** Each run's rate, to judge the noise. */
  runs: number[];
  /** Bytes the formula says one token reads (blocks, output, one embedding row). */
  bytesPerToken: number;
  bytesPerSecond: number;
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

/**
 * Measures the host's weight-streaming bandwidth by decoding a synthetic model much larger than
 * the last-level cache with llama.cpp itself, on the CPU: bandwidth = bytes read per token /
 * (time per token − the formula's fixed overheads), as hostBandwidthFromDecode defines it. A
 * memcpy or a JavaScript loop would time other work per byte than llama.cpp's SIMD Q8_0 dot
 * products, which on small hosts bound the rate before DRAM does. The file's first load, after
 * evicting it from the page cache, gives the storage read rate the same way: bytes / (ms − the
 * fixed setup). No page-cache rate is derived: a warm load of these files takes about the fixed
 * setup alone (it maps pages and parses the vocabulary), so bytes / (ms − setup) would be noise.
 */
export class HostBandwidthProbe {
  private readonly points: HostProbePoint[] = [];
  private readonly warmLoads: number[] = [];
  private coldLoadMs?: number;

  private constructor(
    private readonly path: string,
    private readonly spec: ModelSpec,
    private readonly eviction: PageCacheEviction,
    private readonly options: HostProbeOptions,
  ) {}

  /** Writes the probe model and evicts it from the page cache, so the first load is cold. */
  static async create(options: HostProbeOptions = {}): Promise<HostBandwidthProbe> {
    const shape = options.shape ?? PROBE_MODEL_SHAPE;
    const path = join(options.dir ?? tmpdir(), `${NAME}-${process.pid}.gguf`);
    options.onProgress?.(`host probe: writing ${shape.name} (${shape.layers} blocks, Q8_0)`);
    await writeSyntheticModel(path, shape);
    const spec = modelSpecFromInfo(await readModelInfo(path, shape.name));
    return new HostBandwidthProbe(path, spec, await evictFromPageCache(path), options);
  }

  /** Decodes the probe model on a CPU engine at the engine's thread count. */
  async measure(engine: LlamaEngine): Promise<HostProbePoint> {
    const { threads } = engine;
    const env = this.options.env ?? DEFAULT_COST_ENVIRONMENT;
    const runs = this.options.runs ?? 3;
    const decodeTokens = this.options.decodeTokens ?? 32;
    const load = () =>
      engine.loadModel({ name: NAME, path: this.path, gpuLayers: 0, contextSize: 256, slots: 1 });
    const first = await load();
    if (this.points.length === 0 && this.eviction.evicted) this.coldLoadMs = first.loadMs;
    else this.warmLoads.push(first.loadMs);
    try {
      await engine.unloadModel(NAME);
      this.warmLoads.push((await load()).loadMs);
      const { prompt } = await promptOfTokens(engine, NAME, 8);
      const request = { model: NAME, prompt, temperature: 0 };
      await engine.generate({ ...request, maxTokens: 4 });
      const meter = CpuLoadMeter.start();
      const rates: number[] = [];
      for (let run = 0; run < runs; run++) {
        const result = await engine.generate({ ...request, maxTokens: decodeTokens });
        rates.push(result.timings.decodeTokensPerSecond);
      }
      const otherLoad = meter.otherShare();
      const tokensPerSecond = median(rates);
      const placement = {
        model: this.spec,
        device: DEVICE_CATALOG.cpu,
        gpuLayers: 0,
        contextSize: 256,
        threads,
      };
      const bytesPerSecond = hostBandwidthFromDecode(placement, tokensPerSecond, env);
      if (bytesPerSecond === undefined) {
        throw new Error(
          `host probe: ${tokensPerSecond.toFixed(1)} tokens/s at ${threads} threads is faster ` +
            'than the fixed overheads allow; the probe model is too small for this host',
        );
      }
      const point: HostProbePoint = {
        threads,
        tokensPerSecond,
        runs: rates,
        bytesPerToken: decodeBreakdown(placement, 0, env).hostBytesRead,
        bytesPerSecond,
        otherLoad,
      };
      this.points.push(point);
      this.options.onProgress?.(
        `host probe: ${threads} thread(s): ${tokensPerSecond.toFixed(1)} tokens/s ` +
          `(spread ${(spread(rates) * 100).toFixed(0)} %, other load ${(otherLoad * 100).toFixed(0)} %)` +
          ` → ${(bytesPerSecond / 1e9).toFixed(2)} GB/s`,
      );
      return point;
    } finally {
      await engine.unloadModel(NAME, { force: true });
    }
  }

  /** The DeviceProfile of every thread count measured so far, under a catalog id. */
  result(device: string, at: number = Date.now()): HostProbeResult {
    if (this.points.length === 0) throw new Error('host probe: nothing measured');
    const setupMs = (this.options.env ?? DEFAULT_COST_ENVIRONMENT).host.loadSetupMs;
    const rate = (ms: number | undefined) =>
      ms !== undefined && ms > setupMs ? (this.spec.fileBytes / (ms - setupMs)) * 1000 : undefined;
    const warmLoadMs = median(this.warmLoads);
    const storage = rate(this.coldLoadMs);
    const points = [...this.points].sort((a, b) => a.threads - b.threads);
    return {
      profile: {
        device,
        hostBandwidth: points.map((p) => ({
          threads: p.threads,
          bytesPerSecond: p.bytesPerSecond,
        })),
        ...(storage === undefined ? {} : { storageReadBytesPerSecond: storage }),
        updatedAt: at,
      },
      points,
      fileBytes: this.spec.fileBytes,
      ...(this.coldLoadMs === undefined ? {} : { coldLoadMs: this.coldLoadMs }),
      warmLoadMs,
      eviction: this.eviction,
    };
  }

  /** Deletes the probe model. */
  async dispose(): Promise<void> {
    await rm(this.path, { force: true });
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
