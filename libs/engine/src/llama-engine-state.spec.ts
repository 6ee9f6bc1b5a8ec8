import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import type { GenerateRequest, GenerationEvent } from './engine-types.js';
import { LlamaEngine } from './llama-engine.js';

// KV state save/restore and generation listeners, on the 5 M synthetic model (one thread).
const MODEL = 'tiny';
// 4 layers × (K + V) × 256 dims × 2 bytes (F16 cache).
const KV_BYTES_PER_TOKEN = 4 * 2 * 256 * 2;

describe('LlamaEngine KV state save and restore', () => {
  let dir: string;
  let engine: LlamaEngine;
  let file = 0;
  const stateFile = () => join(dir, `state-${file++}.bin`);

  const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
    model: MODEL,
    prompt: 'hello world, this is a prompt that is long enough to span several chunks',
    maxTokens: 24,
    temperature: 0,
    promptChunkSize: 8,
    ...overrides,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sy-engine-state-'));
    const path = join(dir, 'synth-5m.gguf');
    await writeSyntheticModel(path, MODEL_PRESETS['synth-5m']);
    engine = await LlamaEngine.create({ threads: 1, gpu: false });
    await engine.loadModel({ name: MODEL, path, gpuLayers: 0, contextSize: 512, slots: 2 });
  });

  after(async () => {
    await engine?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('continues a restored run exactly as the uninterrupted one (greedy and seeded)', async () => {
    for (const sampling of [{ temperature: 0 }, { temperature: 0.9, seed: 7 }]) {
      const straight = await engine.generate(request(sampling));
      const path = stateFile();
      const firstHalf = await engine.generate(
        request({ ...sampling, maxTokens: 12, saveStateTo: path }),
      );
      // The last sampled token is not evaluated yet: the state holds everything before it.
      assert.equal(firstHalf.savedState?.tokens, firstHalf.promptTokens + 11);
      assert.equal(firstHalf.savedState?.bytes, (await stat(path)).size);
      assert.ok(firstHalf.savedState!.ms >= 0);

      const resumed = await engine.generate(
        request({ ...sampling, resumeTokens: firstHalf.tokens, restoreStateFrom: path }),
      );
      assert.equal(resumed.restoredState?.tokens, firstHalf.promptTokens + 11);
      assert.equal(resumed.restoredState?.fileTokens, firstHalf.promptTokens + 11);
      assert.equal(resumed.restoredState?.error, undefined);
      assert.deepEqual(resumed.tokens, straight.tokens);
      assert.equal(resumed.text, straight.text);
    }
  });

  it('keeps only the prefix of a saved state that matches the new request', async () => {
    const path = stateFile();
    const other = await engine.generate(
      request({ prompt: 'hello world, this is another prompt', maxTokens: 4, saveStateTo: path }),
    );
    const straight = await engine.generate(request());
    const restored = await engine.generate(request({ restoreStateFrom: path }));
    const kept = restored.restoredState!;
    assert.equal(kept.fileTokens, other.savedState?.tokens);
    assert.ok(kept.tokens > 1 && kept.tokens < kept.fileTokens, JSON.stringify(kept));
    assert.deepEqual(restored.tokens, straight.tokens);
  });

  it('recomputes when the state file cannot be read', async () => {
    const straight = await engine.generate(request());
    const resumed = await engine.generate(
      request({
        restoreStateFrom: join(dir, 'missing.bin'),
        resumeTokens: straight.tokens.slice(0, 5),
      }),
    );
    assert.equal(resumed.restoredState?.tokens, 0);
    assert.ok(resumed.restoredState?.error);
    assert.deepEqual(resumed.tokens, straight.tokens);
  });

  it('asks a saveStateTo function how the run ended, and saves only where it gives a path', async () => {
    const asked: string[] = [];
    const path = stateFile();
    const onlyWhenCancelled = (reason: string) => {
      asked.push(reason);
      return reason === 'cancelled' ? path : undefined;
    };
    const finished = await engine.generate(
      request({ maxTokens: 4, saveStateTo: onlyWhenCancelled }),
    );
    assert.equal(finished.savedState, undefined);
    await assert.rejects(stat(path));

    const controller = new AbortController();
    const stopped = await engine.generate(
      request({ maxTokens: 400, signal: controller.signal, saveStateTo: onlyWhenCancelled }),
      { onText: (_delta, tokens) => void (tokens >= 6 && controller.abort()) },
    );
    assert.equal(stopped.finishReason, 'cancelled');
    assert.equal(stopped.savedState?.path, path);
    assert.equal(stopped.savedState?.bytes, (await stat(path)).size);
    assert.deepEqual(asked, ['length', 'cancelled']);
  });

  it('writes about the KV bytes of each token, plus a fixed header', async () => {
    const short = await engine.generate(request({ maxTokens: 8, saveStateTo: stateFile() }));
    const long = await engine.generate(request({ maxTokens: 72, saveStateTo: stateFile() }));
    const perToken =
      (long.savedState!.bytes - short.savedState!.bytes) /
      (long.savedState!.tokens - short.savedState!.tokens);
    // Each cell also stores its token id, position and sequence ids: a few bytes more.
    assert.ok(
      perToken >= KV_BYTES_PER_TOKEN && perToken <= KV_BYTES_PER_TOKEN + 64,
      `${perToken} bytes per token`,
    );
  });

  it('tells listeners about every run, and whether another ran beside it', async () => {
    const events: GenerationEvent[] = [];
    const off = engine.onGeneration((event) => events.push(event));
    await engine.generate(request({ maxTokens: 4 }));
    await Promise.all([
      engine.generate(request({ maxTokens: 30 })),
      engine.generate(request({ maxTokens: 30, prompt: 'second' })),
    ]);
    off();
    await engine.generate(request({ maxTokens: 4 }));
    assert.deepEqual(
      events.map((e) => [e.result.completionTokens, e.shared]),
      [
        [4, false],
        [30, true],
        [30, true],
      ],
    );
    assert.equal(events[0]?.model.name, MODEL);
    assert.equal(events[0]?.model.gpuLayers, 0);
    assert.equal(events[0]?.threads, 1);
  });
});
