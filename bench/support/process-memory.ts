import { readFileSync } from 'node:fs';
import { findSamples, parsePrometheusText } from '#switchyard/metrics';

/** One process's memory at one moment, in MiB. */
export interface MemorySample {
  /** Resident set (VmRSS): what the machine pays. */
  rss: number;
  /** Live V8 heap: grows with a JavaScript leak. */
  heapUsed: number;
  /** Heap V8 has reserved; it grows to fit the load during warm-up, then levels off. */
  heapTotal: number;
}

/** A process to watch: its pid, and the URL of its Prometheus metrics (for the V8 heap). */
export interface WatchedProcess {
  role: string;
  pid: number;
  metricsUrl: string;
}

/**
 * Samples the memory of a fleet's processes over a run: resident memory from /proc, and each
 * process's V8 heap from its own /metrics, so that growth of the resident set can be told
 * apart: a JS leak (heap used grows), a heap that settles at a larger size (heap reserved), or
 * memory outside the heap.
 */
export class ProcessMemory {
  readonly timeline: { minute: number; samples: Record<string, MemorySample> }[] = [];

  constructor(
    readonly processes: WatchedProcess[],
    private readonly startedAt: number,
  ) {}

  /** Samples every process now and adds the samples to the timeline. */
  async sample(): Promise<Record<string, MemorySample>> {
    const samples: Record<string, MemorySample> = {};
    for (const process of this.processes) samples[process.role] = await sampleOf(process);
    this.timeline.push({ minute: (Date.now() - this.startedAt) / 60_000, samples });
    return samples;
  }

  /** The timeline as printable lines: minute, then RSS and heap used/reserved per process. */
  format(): string[] {
    return this.timeline.map(({ minute, samples }) => {
      const parts = this.processes.map(({ role }) => {
        const s = samples[role];
        return `${role} ${s.rss.toFixed(0)} (heap ${s.heapUsed.toFixed(1)}/${s.heapTotal.toFixed(1)})`;
      });
      return `${minute.toFixed(1).padStart(5)}  ${parts.join(', ')}`;
    });
  }
}

async function sampleOf({ pid, metricsUrl }: WatchedProcess): Promise<MemorySample> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  const text = await fetch(metricsUrl)
    .then((r) => r.text())
    .catch(() => '');
  const samples = text ? parsePrometheusText(text) : [];
  const mib = (name: string) => (findSamples(samples, name)[0]?.value ?? NaN) / 2 ** 20;
  return {
    rss,
    heapUsed: mib('switchyard_nodejs_heap_size_used_bytes'),
    heapTotal: mib('switchyard_nodejs_heap_size_total_bytes'),
  };
}
