import { PRIORITY_CLASSES, type PriorityClass } from '#switchyard/contracts';
import { Prng } from './prng.js';
import type { ArrivalProcess, LengthDistribution, Scenario, WorkloadStream } from './scenario.js';

/** One job of the workload, as a client submits it. */
export interface JobSpec {
  /** Queue id: 1-based arrival order, as BullMQ numbers jobs. */
  id: string;
  index: number;
  /** Index of the workload stream that made it. */
  stream: number;
  priority: PriorityClass;
  model: string;
  submittedAt: number;
  promptTokens: number;
  /** Tokens the job really generates before it stops. */
  outputTokens: number;
  /** The cap the client sent, which is all a policy sees of the length. */
  maxTokens: number;
  /** The job's own completion deadline (ms, simulated clock), when its stream sets one. */
  deadlineAt?: number;
}

/** The jobs of a scenario in arrival order, and how many prompts were cut to fit the context. */
export interface Workload {
  jobs: JobSpec[];
  clampedPrompts: number;
}

/**
 * Draws every job of the scenario. Each stream has its own generators (one for arrivals, one
 * for sizes), so changing one stream leaves the others' jobs as they were.
 */
export function generateWorkload(scenario: Scenario, seed = scenario.seed): Workload {
  const drawn: Omit<JobSpec, 'id' | 'index'>[] = [];
  let clampedPrompts = 0;
  scenario.workload.forEach((stream, s) => {
    const arrivals = new Prng(seed, 2 * s + 1);
    const sizes = new Prng(seed, 2 * s + 2);
    const times = arrivalTimes(stream, arrivals);
    const classPick = categorical(
      PRIORITY_CLASSES.map((c) => stream.classMix[c] ?? 0),
      PRIORITY_CLASSES,
    );
    const modelPick = categorical(
      stream.models.map((m) => m.weight),
      stream.models.map((m) => m.name),
    );
    for (const { at, promptTokens: recordedPrompt, outputTokens: recordedOutput } of times) {
      const priority = classPick(sizes);
      const model = modelPick(sizes);
      let outputTokens = recordedOutput ?? sampleLength(stream.outputTokens, sizes);
      let promptTokens = recordedPrompt ?? sampleLength(stream.promptTokens, sizes);
      const maxTokens = stream.maxTokens ?? outputTokens;
      outputTokens = Math.min(outputTokens, maxTokens);
      // One sequence cannot outgrow the context the models are loaded with.
      const room = Math.max(1, scenario.contextSize - outputTokens);
      if (promptTokens > room) {
        promptTokens = room;
        clampedPrompts++;
      }
      drawn.push({
        stream: s,
        priority,
        model,
        submittedAt: at,
        promptTokens,
        outputTokens,
        maxTokens,
        ...(stream.deadlineMs !== undefined ? { deadlineAt: at + stream.deadlineMs } : {}),
      });
    }
  });
  // Stable: equal times keep stream order, then their order within the stream.
  drawn.sort((a, b) => a.submittedAt - b.submittedAt || a.stream - b.stream);
  const jobs = drawn.map((j, index) => ({ ...j, id: String(index + 1), index }));
  return { jobs, clampedPrompts };
}

interface Arrival {
  at: number;
  promptTokens?: number;
  outputTokens?: number;
}

/** Arrival times of a stream within [startMs, endMs), at most `count`. */
export function arrivalTimes(stream: WorkloadStream, prng: Prng): Arrival[] {
  const { startMs, endMs } = stream;
  const limit = stream.count ?? Infinity;
  const out: Arrival[] = [];
  const push = (a: Arrival) => {
    if (a.at < startMs || a.at >= endMs || out.length >= limit) return false;
    out.push(a);
    return true;
  };
  const arrival: ArrivalProcess = stream.arrival;
  switch (arrival.type) {
    case 'poisson': {
      if (arrival.ratePerSecond <= 0) break;
      const mean = 1000 / arrival.ratePerSecond;
      for (
        let t = startMs + prng.exponential(mean);
        t < endMs && out.length < limit;
        t += prng.exponential(mean)
      ) {
        push({ at: t });
      }
      break;
    }
    case 'bursty': {
      // A two-state Markov-modulated Poisson process; both phases are memoryless, so an arrival
      // drawn past the phase's end is dropped and drawing restarts in the next phase.
      let t = startMs;
      let burst = false;
      while (t < endMs && out.length < limit) {
        const phaseEnd = t + prng.exponential(burst ? arrival.burstMs : arrival.gapMs);
        const rate = burst ? arrival.burstRatePerSecond : arrival.ratePerSecond;
        if (rate > 0) {
          for (
            let a = t + prng.exponential(1000 / rate);
            a < phaseEnd && a < endMs;
            a += prng.exponential(1000 / rate)
          ) {
            if (!push({ at: a })) break;
          }
        }
        t = phaseEnd;
        burst = !burst;
      }
      break;
    }
    case 'diurnal': {
      // Thinning (Lewis–Shedler): candidates at the peak rate, kept in proportion to the rate at t.
      const peak = arrival.ratePerSecond * (1 + arrival.amplitude);
      if (peak <= 0) break;
      const mean = 1000 / peak;
      for (
        let t = startMs + prng.exponential(mean);
        t < endMs && out.length < limit;
        t += prng.exponential(mean)
      ) {
        const rate =
          arrival.ratePerSecond *
          (1 +
            arrival.amplitude *
              Math.cos((2 * Math.PI * (t - arrival.peakAtMs)) / arrival.periodMs));
        if (prng.next() * peak < rate) push({ at: t });
      }
      break;
    }
    case 'batch': {
      const step = arrival.count > 0 ? arrival.spreadMs / arrival.count : 0;
      for (let i = 0; i < arrival.count; i++) push({ at: arrival.atMs + i * step });
      break;
    }
    case 'trace':
      for (const row of arrival.rows) {
        const at = startMs + row.atMs / arrival.speedup;
        if (at >= endMs || out.length >= limit) break;
        push({ at, promptTokens: row.promptTokens, outputTokens: row.outputTokens });
      }
      break;
  }
  return out;
}

/** One draw from a length distribution (a positive integer). */
export function sampleLength(dist: LengthDistribution, prng: Prng): number {
  switch (dist.type) {
    case 'fixed':
      return dist.value;
    case 'uniform':
      return prng.integer(dist.min, dist.max);
    case 'lognormal': {
      const value = Math.round(dist.median * Math.exp(dist.sigma * prng.normal()));
      return Math.min(dist.max, Math.max(dist.min, value));
    }
    case 'choice':
      return categorical(dist.weights, dist.values)(prng);
  }
}

/** A sampler that picks values[i] with probability weights[i] / Σ weights. */
export function categorical<T>(
  weights: readonly number[],
  values: readonly T[],
): (prng: Prng) => T {
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += Math.max(0, w)));
  if (total <= 0) throw new RangeError('categorical: every weight is zero');
  if (values.length === 1 || cumulative.filter((_, i) => weights[i] > 0).length === 1) {
    const only = values[weights.findIndex((w) => w > 0)];
    return () => only;
  }
  return (prng) => {
    const x = prng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return values[lo];
  };
}
