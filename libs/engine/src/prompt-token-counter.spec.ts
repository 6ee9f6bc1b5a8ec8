import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { LlamaEngine } from './llama-engine.js';
import { PromptTokenCounter } from './prompt-token-counter.js';

// Real node-llama-cpp, vocabulary only, on the 5 M synthetic model.
describe('PromptTokenCounter (node-llama-cpp, vocabulary only)', () => {
  let dir: string;
  let path: string;
  let engine: LlamaEngine;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-token-counter-'));
    path = join(dir, 'synth-5m.gguf');
    await writeSyntheticModel(path, MODEL_PRESETS['synth-5m']);
    engine = await LlamaEngine.create({ gpu: false, threads: 1 });
    await engine.loadModel({ name: 'synth-5m', path, gpuLayers: 0, slots: 1, contextSize: 512 });
  });

  after(async () => {
    await engine.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts exactly the tokens a worker evaluates, for text and for a conversation', async () => {
    const counter = new PromptTokenCounter();
    try {
      for (const prompt of [
        'hello world',
        'ünïcødé and 日本語',
        [
          { role: 'system' as const, content: 'be brief' },
          { role: 'user' as const, content: 'hi there' },
        ],
      ]) {
        const run = await engine.generate({
          model: 'synth-5m',
          prompt,
          maxTokens: 1,
          temperature: 0,
        });
        assert.equal(await counter.count(path, prompt), run.promptTokens, JSON.stringify(prompt));
      }
    } finally {
      await counter.close();
    }
  });

  it('closes the least recently used vocabulary past its limit and reopens it on demand', async () => {
    const other = join(dir, 'other.gguf');
    await writeSyntheticModel(other, MODEL_PRESETS['synth-5m']);
    const counter = new PromptTokenCounter(1);
    try {
      const first = await counter.count(path, 'abc');
      assert.equal(await counter.count(other, 'abc'), first);
      assert.equal(await counter.count(path, 'abc'), first);
    } finally {
      await counter.close();
    }
  });

  it('rejects a file it cannot open, and does not remember the failure', async () => {
    const later = join(dir, 'later.gguf');
    const counter = new PromptTokenCounter();
    try {
      await assert.rejects(counter.count(later, 'abc'));
      await writeSyntheticModel(later, MODEL_PRESETS['synth-5m']);
      assert.ok((await counter.count(later, 'abc')) > 0);
    } finally {
      await counter.close();
    }
  });
});
