import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { ContextOverflowError } from './context-overflow-error.js';
import type { GenerateRequest } from './engine-types.js';
import { LlamaEngine } from './llama-engine.js';
import { ModelBusyError } from './model-busy-error.js';
import { ModelNotLoadedError } from './model-not-loaded-error.js';
import { NoFreeSlotError } from './no-free-slot-error.js';

// Real node-llama-cpp on the 5 M synthetic model (random weights: gibberish that never ends with
// EOS). One thread: on small boxes more threads make decoding slower, and tests run side by side.
const MODEL = 'tiny';
// The synthetic vocabulary has no pieces to merge text into, so every byte is one token.
const LONG_PROMPT = 'abcdefghij'.repeat(200);

describe('LlamaEngine (node-llama-cpp, synthetic model)', () => {
  let dir: string;
  let path: string;
  let engine: LlamaEngine;

  const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
    model: MODEL,
    prompt: 'hello world, this is a prompt',
    maxTokens: 20,
    temperature: 0,
    ...overrides,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sy-engine-'));
    path = join(dir, 'synth-5m.gguf');
    // A longer trained context than the preset so the 2,000-token prompt stays in range.
    await writeSyntheticModel(path, { ...MODEL_PRESETS['synth-5m'], contextLength: 4096 });
    engine = await LlamaEngine.create({ threads: 1 });
    await engine.loadModel({ name: MODEL, path, gpuLayers: 99, contextSize: 2560, slots: 2 });
  });

  after(async () => {
    await engine?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('describes the device and reports what was really loaded', () => {
    assert.equal(engine.threads, 1);
    assert.ok(engine.device.ramTotalBytes > 0);
    assert.ok(engine.device.physicalCores >= 1);
    const [info] = engine.loadedModels();
    assert.equal(info?.name, MODEL);
    assert.equal(info?.totalLayers, MODEL_PRESETS['synth-5m'].layers + 1);
    assert.ok(info!.contextSize >= 2560);
    assert.equal(info?.slots, 2);
    assert.equal(info?.busySlots, 0);
    assert.ok(info!.cpuBytes + info!.gpuBytes > 5_000_000);
    if (engine.device.kind === 'cpu') assert.equal(info?.gpuLayers, 0);
  });

  it('estimates memory without loading, growing with the context size', async () => {
    const small = await engine.estimateMemory(path, 99, 512, 1);
    const large = await engine.estimateMemory(path, 99, 4096, 1);
    const twoSlots = await engine.estimateMemory(path, 99, 4096, 2);
    assert.ok(small.cpuBytes + small.gpuBytes > 0);
    assert.ok(large.cpuBytes + large.gpuBytes > small.cpuBytes + small.gpuBytes);
    assert.ok(twoSlots.cpuBytes + twoSlots.gpuBytes > large.cpuBytes + large.gpuBytes);
    assert.equal(small.totalLayers, MODEL_PRESETS['synth-5m'].layers + 1);
    if (engine.device.kind === 'cpu') assert.equal(small.gpuLayers, 0);
  });

  it('generates exactly maxTokens tokens, streaming text and checkpoints', async () => {
    const deltas: string[] = [];
    const counts: number[] = [];
    const checkpoints: number[][] = [];
    const phases: string[] = [];
    const result = await engine.generate(request({ maxTokens: 40 }), {
      onPhase: (phase) => phases.push(phase),
      onText: (delta, completionTokens) => {
        deltas.push(delta);
        counts.push(completionTokens);
      },
      onCheckpoint: (tokens) => checkpoints.push(tokens),
    });
    assert.equal(result.finishReason, 'length');
    assert.equal(result.completionTokens, 40);
    assert.equal(result.tokens.length, 40);
    assert.ok(result.promptTokens > 5);
    assert.equal(deltas.join(''), result.text);
    assert.ok(result.text.length > 0);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
    );
    assert.deepEqual(phases, ['prefill', 'decoding']);
    assert.deepEqual(checkpoints, [result.tokens.slice(0, 16), result.tokens.slice(0, 32)]);
    assert.ok(result.timings.firstTokenMs > 0);
    assert.ok(
      result.timings.prefillMs > 0 && result.timings.prefillMs <= result.timings.firstTokenMs,
    );
    assert.ok(result.timings.decodeTokensPerSecond > 0);
    assert.ok(result.timings.prefillTokensPerSecond > 0);
    assert.equal(engine.freeSlots(MODEL), 2);
  });

  it('reproduces sampled output with the same seed', async () => {
    const sampled = request({ maxTokens: 24, temperature: 0.9, topP: 0.95, seed: 1234 });
    const first = await engine.generate(sampled);
    const second = await engine.generate(sampled);
    const other = await engine.generate({ ...sampled, seed: 4321 });
    assert.deepEqual(second.tokens, first.tokens);
    assert.equal(second.text, first.text);
    assert.notDeepEqual(other.tokens, first.tokens);
  });

  it('honours an abort during a long prompt within one chunk, with no completion', async (t) => {
    // Reference: the whole prompt evaluated without an abort.
    const full = await engine.generate(request({ prompt: LONG_PROMPT, maxTokens: 1 }));
    // Many chunks of 64: the abort must land between two of them.
    assert.ok(full.promptTokens >= 1500, `prompt has ${full.promptTokens} tokens`);

    const controller = new AbortController();
    let abortedAt = 0;
    const result = await engine.generate(
      request({ prompt: LONG_PROMPT, maxTokens: 10, signal: controller.signal }),
      {
        onPhase: (phase) => {
          if (phase !== 'prefill') return;
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
          }, 20);
        },
      },
    );
    const latencyMs = performance.now() - abortedAt;
    t.diagnostic(
      `full prefill of ${full.promptTokens} tokens ${full.timings.prefillMs.toFixed(0)} ms; ` +
        `abort answered in ${latencyMs.toFixed(1)} ms, ${result.timings.prefillMs.toFixed(0)} ms into it`,
    );
    assert.equal(result.finishReason, 'cancelled');
    assert.equal(result.completionTokens, 0);
    assert.deepEqual(result.tokens, []);
    assert.equal(result.text, '');
    assert.equal(result.timings.firstTokenMs, 0);
    assert.ok(abortedAt > 0 && latencyMs < 2000, `abort took ${latencyMs.toFixed(0)} ms`);
  });

  it('keeps the partial output when aborted during decoding', async () => {
    const controller = new AbortController();
    const deltas: string[] = [];
    const result = await engine.generate(request({ maxTokens: 200, signal: controller.signal }), {
      onText: (delta, completionTokens) => {
        deltas.push(delta);
        if (completionTokens >= 5) controller.abort();
      },
    });
    assert.equal(result.finishReason, 'cancelled');
    assert.equal(result.completionTokens, 5);
    assert.equal(result.tokens.length, 5);
    assert.equal(result.text, deltas.join(''));
  });

  it('resumes from checkpoint tokens exactly as an uninterrupted run (greedy and seeded)', async () => {
    for (const sampling of [{ temperature: 0 }, { temperature: 0.9, seed: 99 }]) {
      const straight = await engine.generate(request({ ...sampling, maxTokens: 20 }));
      const firstHalf = await engine.generate(request({ ...sampling, maxTokens: 10 }));
      const texts: string[] = [];
      const resumed = await engine.generate(
        request({ ...sampling, maxTokens: 20, resumeTokens: firstHalf.tokens }),
        { onText: (delta) => texts.push(delta) },
      );
      assert.deepEqual(firstHalf.tokens, straight.tokens.slice(0, 10));
      assert.deepEqual(resumed.tokens, straight.tokens);
      assert.equal(resumed.completionTokens, 20);
      assert.equal(resumed.text, straight.text);
      // Only new text is streamed: the resumed part was streamed by the interrupted run.
      assert.equal(firstHalf.text + texts.join(''), straight.text);
    }
  });

  it('runs two slots concurrently and refuses a third generation', async () => {
    const times: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const run = (key: 'a' | 'b', prompt: string) =>
      engine.generate(request({ prompt, maxTokens: 60 }), {
        onText: () => times[key].push(performance.now()),
      });
    const a = run('a', 'first prompt');
    const b = run('b', 'second prompt');
    assert.equal(engine.freeSlots(MODEL), 0);
    assert.equal(engine.loadedModels()[0]?.busySlots, 2);
    await assert.rejects(engine.generate(request()), NoFreeSlotError);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.completionTokens, 60);
    assert.equal(rb.completionTokens, 60);
    // Interleaved, not one after the other.
    assert.ok(times.b[0]! < times.a.at(-1)! && times.a[0]! < times.b.at(-1)!);
    assert.equal(engine.freeSlots(MODEL), 2);
  });

  it('stops before a stop string and leaves it out of the text', async () => {
    const plain = await engine.generate(request({ maxTokens: 30 }));
    const stop = plain.text
      .slice(Math.floor(plain.text.length / 2))
      .trim()
      .slice(0, 4);
    const expected = plain.text.slice(0, plain.text.indexOf(stop));
    const deltas: string[] = [];
    const result = await engine.generate(request({ maxTokens: 30, stop: [stop] }), {
      onText: (delta) => deltas.push(delta),
    });
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.text, expected);
    assert.equal(deltas.join(''), expected);
    assert.ok(result.completionTokens < 30);
  });

  it('accepts chat messages', async () => {
    const result = await engine.generate(
      request({
        prompt: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Say something.' },
        ],
        maxTokens: 8,
      }),
    );
    assert.equal(result.completionTokens, 8);
    assert.ok(result.promptTokens > 10);
  });

  it('rejects unknown models and prompts that do not fit', async () => {
    await assert.rejects(engine.generate(request({ model: 'nope' })), ModelNotLoadedError);
    assert.throws(() => engine.freeSlots('nope'), ModelNotLoadedError);
    await assert.rejects(engine.generate(request({ maxTokens: 100_000 })), ContextOverflowError);
  });

  it('reloads only when the level changes; unloading a busy model needs force', async () => {
    const spec = { name: 'second', path, gpuLayers: 2, contextSize: 256, slots: 1 };
    const first = await engine.loadModel(spec);
    const again = await engine.loadModel({ ...spec });
    assert.equal(again.loadedAt, first.loadedAt);
    assert.equal(again.loadMs, first.loadMs);
    const bigger = await engine.loadModel({ ...spec, contextSize: 512 });
    assert.ok(bigger.contextSize >= 512);

    const running = engine.generate({ ...request({ model: 'second', maxTokens: 200 }) });
    await assert.rejects(engine.unloadModel('second'), ModelBusyError);
    await engine.unloadModel('second', { force: true });
    const result = await running;
    assert.equal(result.finishReason, 'cancelled');
    assert.ok(result.completionTokens < 200);
    assert.deepEqual(
      engine.loadedModels().map((m) => m.name),
      [MODEL],
    );
    await assert.rejects(engine.generate(request({ model: 'second' })), ModelNotLoadedError);
  });
});
