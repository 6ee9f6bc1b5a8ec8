import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp';
import type { SyntheticModelShape } from './model-shape.js';
import { writeSyntheticModel } from './synthetic-model-writer.js';

const TINY: SyntheticModelShape = {
  name: 'tiny',
  dim: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ffDim: 128,
  vocabSize: 512,
  contextLength: 256,
  type: 'Q8_0',
  seed: 11,
};

describe('a written model in llama.cpp', () => {
  let dir: string;
  let llama: Llama;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gguf-load-'));
    llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
  });
  after(async () => {
    await llama?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  for (const type of ['Q8_0', 'F16', 'F32'] as const) {
    test(`${type}: loads and generates 8 tokens, none of them end-of-sequence`, async () => {
      const modelPath = join(dir, `tiny-${type}.gguf`);
      await writeSyntheticModel(modelPath, { ...TINY, type });
      const model = await llama.loadModel({ modelPath });
      try {
        const context = await model.createContext({ threads: 1, contextSize: 256 });
        const sequence = context.getSequence();
        const prompt = model.tokenize('Switchyard test prompt');
        assert.ok(prompt.length > 0);
        const generated = [];
        for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
          generated.push(token);
          if (generated.length === 8) break;
        }
        assert.equal(generated.length, 8);
        const special = [model.tokens.eos, model.tokens.bos, 0];
        assert.ok(
          generated.every((token) => !special.includes(token)),
          String(generated),
        );
        assert.ok(generated.every((token) => !model.isEogToken(token)));
        await context.dispose();
      } finally {
        await model.dispose();
      }
    });
  }
});
