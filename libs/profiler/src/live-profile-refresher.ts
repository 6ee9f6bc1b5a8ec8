import {
  DEFAULT_SMOOTHING,
  emptyModelProfile,
  observeInProfile,
  type ModelProfile,
  type ObservedMetric,
} from '#switchyard/cost-model';
import type { GenerationEvent, LlamaEngine } from '#switchyard/engine';
import { PROFILER_MODEL_PREFIX } from './model-profiler.js';

/** Where the refresher reads and writes profiles (a ProfileStore). */
export interface ModelProfileStore {
  modelProfile(model: string, device: string): Promise<ModelProfile | undefined>;
  save(profile: ModelProfile): Promise<void>;
}

/** Settings of a LiveProfileRefresher; all but device have defaults. */
export interface LiveProfileOptions {
  /** Catalog id of this worker's device (see catalogDeviceId). */
  device: string;
  /** At most one save per model per this many ms (default 30 s). */
  minIntervalMs?: number;
  /** Weight of each observation (default the cost model's, 0.2). */
  smoothing?: number;
  /** Fewest decoded tokens for a decode rate to count (default 16): short runs are all overhead. */
  minDecodeTokens?: number;
  /** Fewest evaluated prompt tokens for a prefill rate to count (default 32). */
  minPromptTokens?: number;
  /** Epoch ms (default Date.now). */
  now?: () => number;
  /** A failed save (default: ignored; the observations are kept for the next one). */
  onError?: (error: Error) => void;
}

interface Observation {
  metric: ObservedMetric;
  value: number;
  at: number;
}

/**
 * Keeps the stored profiles of this worker's models calibrated from the jobs it serves: after
 * every generation that ran alone on the device, its decode and prefill rates (recompute rate
 * for a resumed job, KV save/restore figures when it moved state) are folded into the model's
 * profile by exponential smoothing. Saves are throttled per model, and each one reads the stored
 * profile first and applies the pending observations to it, so a profiler run stored meanwhile
 * is refined rather than overwritten.
 */
export class LiveProfileRefresher {
  private readonly pending = new Map<string, Observation[]>();
  private readonly lastSaved = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private saving: Promise<void> = Promise.resolve();
  private detach?: () => void;

  constructor(
    private readonly store: ModelProfileStore,
    private readonly options: LiveProfileOptions,
  ) {}

  /** Starts watching an engine's generations; returns this. */
  attach(engine: Pick<LlamaEngine, 'onGeneration'>): this {
    this.detach?.();
    this.detach = engine.onGeneration((event) => this.observe(event));
    return this;
  }

  /** Observations waiting to be saved, per model. */
  pendingCount(model: string): number {
    return this.pending.get(model)?.length ?? 0;
  }

  /** Takes the figures of one generation worth keeping, and schedules a save. */
  observe(event: GenerationEvent): void {
    const model = event.model.name;
    // Runs beside others measure a shared device; the profiler's own runs store themselves.
    if (event.shared || model.startsWith(PROFILER_MODEL_PREFIX)) return;
    const observations = this.observationsOf(event);
    if (observations.length === 0) return;
    this.pending.set(model, [...(this.pending.get(model) ?? []), ...observations]);
    this.schedule(model);
  }

  /** Saves every pending observation now. */
  async flush(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.pending.keys()].map((model) => this.save(model)));
    await this.saving;
  }

  /** Stops watching and saves what is pending. */
  async stop(): Promise<void> {
    this.detach?.();
    this.detach = undefined;
    await this.flush();
  }

  private observationsOf({ request, result, model, threads }: GenerationEvent): Observation[] {
    const at = this.now();
    const minDecode = this.options.minDecodeTokens ?? 16;
    const minPrompt = this.options.minPromptTokens ?? 32;
    const observations: Observation[] = [];
    const { timings, restoredState, savedState } = result;
    const level = { gpuLayers: model.gpuLayers, threads };
    const resumed = request.resumeTokens?.length ?? 0;
    // decodeTokensPerSecond counts the new tokens after the first.
    if (result.completionTokens - resumed - 1 >= minDecode && timings.decodeTokensPerSecond > 0) {
      observations.push({
        metric: { kind: 'decodeTokensPerSecond', ...level },
        value: timings.decodeTokensPerSecond,
        at,
      });
    }
    const evaluated = result.promptTokens + resumed - (restoredState?.tokens ?? 0);
    if (evaluated >= minPrompt && timings.prefillTokensPerSecond > 0 && !restoredState?.tokens) {
      // A resumed job's prefill re-evaluates its generated tokens too: that is a recompute.
      const metric: ObservedMetric =
        resumed > 0
          ? { kind: 'recomputeTokensPerSecond' }
          : { kind: 'prefillTokensPerSecond', ...level };
      observations.push({ metric, value: timings.prefillTokensPerSecond, at });
    }
    if (savedState && !savedState.error && savedState.tokens > 0 && savedState.ms > 0) {
      observations.push(
        { metric: { kind: 'kvSaveMsPerToken' }, value: savedState.ms / savedState.tokens, at },
        {
          metric: { kind: 'kvStateBytesPerToken' },
          value: savedState.bytes / savedState.tokens,
          at,
        },
      );
    }
    if (restoredState && restoredState.tokens > 0 && restoredState.ms > 0) {
      observations.push({
        metric: { kind: 'kvRestoreMsPerToken' },
        value: restoredState.ms / restoredState.tokens,
        at,
      });
    }
    return observations;
  }

  private schedule(model: string): void {
    if (this.timers.has(model)) return;
    const interval = this.options.minIntervalMs ?? 30_000;
    const due = (this.lastSaved.get(model) ?? -Infinity) + interval;
    const timer = setTimeout(
      () => {
        this.timers.delete(model);
        void this.save(model);
      },
      Math.max(0, due - this.now()),
    );
    // A pending save must not keep a stopping process alive: stop() flushes.
    timer.unref();
    this.timers.set(model, timer);
  }

  // Saves run one after another, so two saves of a model never interleave their read and write.
  private save(model: string): Promise<void> {
    const next = this.saving.then(() => this.saveNow(model));
    this.saving = next.catch(() => undefined);
    return next;
  }

  private async saveNow(model: string): Promise<void> {
    const observations = this.pending.get(model) ?? [];
    if (observations.length === 0) return;
    this.pending.delete(model);
    const { device } = this.options;
    const alpha = this.options.smoothing ?? DEFAULT_SMOOTHING;
    try {
      let profile =
        (await this.store.modelProfile(model, device)) ?? emptyModelProfile(model, device);
      for (const o of observations)
        profile = observeInProfile(profile, o.metric, o.value, alpha, o.at);
      await this.store.save(profile);
      this.lastSaved.set(model, this.now());
    } catch (error) {
      // Kept for the next save: a Redis hiccup must not lose what was measured.
      this.pending.set(model, [...observations, ...(this.pending.get(model) ?? [])]);
      this.options.onError?.(error as Error);
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
