import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModelInfo } from './model-info.js';
import { countParameters, type SyntheticModelShape } from './model-shape.js';
import { planSyntheticModel } from './synthetic-layout.js';
import { writeSyntheticModel } from './synthetic-model-writer.js';

const TINY: SyntheticModelShape = {
  name: 'tiny',
  dim: 64,
  layers: 3,
  heads: 4,
  kvHeads: 2,
  ffDim: 96,
  vocabSize: 300,
  contextLength: 128,
  type: 'Q8_0',
  seed: 3,
};

describe('readModelInfo', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gguf-info-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const type of ['Q8_0', 'F16', 'F32'] as const) {
    test(`${type}: figures match the shape that was written`, async () => {
      const shape = { ...TINY, type };
      const path = join(dir, `tiny-${type.toLowerCase()}.gguf`);
      const written = await writeSyntheticModel(path, shape);
      const info = await readModelInfo(path);

      assert.equal(info.name, `tiny-${type.toLowerCase()}`);
      assert.equal(info.path, path);
      assert.equal(info.architecture, 'llama');
      assert.equal(info.quantization, type);
      assert.equal(info.layers, 3);
      assert.equal(info.parameters, countParameters(shape));
      assert.equal(info.bytes, written.bytes);
      assert.equal(info.contextLength, 128);
      assert.equal(info.embeddingLength, 64);
      assert.equal(info.headCount, 4);
      assert.equal(info.headCountKv, 2);
      assert.equal(info.vocabSize, 300);
      // K and V, 3 layers, kv_dim = 2 heads x 16, F16.
      assert.equal(info.kvBytesPerToken, 2 * 3 * 32 * 2);
      assert.equal(info.layerBytes.length, 3);
      assert.ok(info.layerBytes.every((bytes) => bytes > 0 && bytes === info.layerBytes[0]));
      // Every byte after the header belongs to exactly one tensor.
      const header = planSyntheticModel(shape).header.length;
      const tensorTotal = info.layerBytes.reduce((a, b) => a + b, 0) + info.nonLayerBytes;
      assert.equal(header + tensorTotal, info.bytes);
    });
  }

  test('takes an explicit name and rejects what is not a GGUF file', async () => {
    const path = join(dir, 'named.gguf');
    await writeSyntheticModel(path, TINY);
    assert.equal((await readModelInfo(path, 'custom')).name, 'custom');
    await assert.rejects(readModelInfo(join(dir, 'missing.gguf')));
  });
});
