import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelInfo } from '#switchyard/gguf';
import { countParameters, MODEL_PRESETS, syntheticModelBytes } from '#switchyard/gguf';
import {
  kvBytesPerToken,
  kvBytesPerTokenPerLayer,
  modelSpecFromInfo,
  weightBytes,
} from './model-spec.js';
import {
  parametersOf,
  shapeForParameters,
  syntheticModelSpec,
  TYPICAL_MODEL_SHAPES,
} from './model-shapes.js';
import { bytesPerWeight } from './quantization.js';

describe('kvBytesPerToken', () => {
  test('is 2 (K and V) × layers × kvDim × 2 bytes', () => {
    // llama-2-7b: 32 layers, kvDim = 4096: 2 × 32 × 4096 × 2 = 524,288 bytes (0.5 MiB a token).
    assert.equal(
      kvBytesPerToken({ layers: 32, embeddingLength: 4096, headCount: 32, headCountKv: 32 }),
      524_288,
    );
    // llama-3-8b has 8 KV heads of 128: kvDim = 1024, a quarter of that.
    assert.equal(
      kvBytesPerToken({ layers: 32, embeddingLength: 4096, headCount: 32, headCountKv: 8 }),
      131_072,
    );
    // synth-850m: 16 layers, kvDim = 2048 / 16 × 4 = 512: 2 × 16 × 512 × 2 = 32,768.
    const spec = syntheticModelSpec({ shape: 'synth-850m', quantization: 'Q8_0' });
    assert.equal(spec.kvBytesPerToken, 32_768);
    assert.equal(kvBytesPerTokenPerLayer(spec), 2_048);
  });
});

describe('syntheticModelSpec', () => {
  test('counts the same parameters as libs/gguf and the same file bytes within 0.5 % (the header is estimated)', () => {
    for (const name of ['synth-5m', 'synth-50m', 'synth-300m', 'synth-850m'] as const) {
      const preset = MODEL_PRESETS[name];
      const spec = syntheticModelSpec({ shape: name, quantization: preset.type });
      assert.equal(spec.parameters, countParameters(preset), name);
      const fileBytes = syntheticModelBytes(preset);
      assert.ok(Math.abs(spec.fileBytes / fileBytes - 1) < 0.005, `${name}: ${spec.fileBytes}`);
    }
  });

  test('sizes every Q8_0 block exactly: 34 bytes per 32 weights plus two F32 norms', () => {
    const spec = syntheticModelSpec({ shape: 'synth-850m', quantization: 'Q8_0' });
    // (2·2048² + 2·2048·512 + 3·2048·5632) × 34/32 + 2·2048·4 = 45,088,768 × 1.0625 + 16,384.
    assert.equal(spec.layerBytes[0], 47_923_200);
    assert.equal(spec.embeddingBytes, 32_000 * 2048 * (34 / 32));
    assert.equal(spec.outputBytes, spec.embeddingBytes + 2048 * 4);
  });

  test('gives the file sizes published for llama-2 at Q4_K_M and Q8_0 within 2 %', () => {
    assert.equal(parametersOf(TYPICAL_MODEL_SHAPES['llama-2-7b']), 6_738_415_616);
    // Published GGUF files: 7B Q4_K_M 4.08 GB, Q8_0 7.16 GB; 13B Q4_K_M 7.87 GB; 70B Q4_K_M 41.42 GB.
    const published: [string, string, number][] = [
      ['llama-2-7b', 'Q4_K_M', 4.08e9],
      ['llama-2-7b', 'Q8_0', 7.16e9],
      ['llama-2-13b', 'Q4_K_M', 7.87e9],
      ['llama-2-70b', 'Q4_K_M', 41.42e9],
    ];
    for (const [shape, quantization, bytes] of published) {
      const spec = syntheticModelSpec({ shape: shape as 'llama-2-7b', quantization });
      assert.ok(Math.abs(spec.fileBytes / bytes - 1) < 0.02, `${shape} ${quantization}`);
      assert.equal(spec.name, `${shape}-${quantization}`);
    }
  });

  test('from a parameter count takes the nearest typical shape and scales its depth', () => {
    // 7 B is nearest llama-2-7b (6.74 B): 33 blocks of 202.4 M weights plus 262 M outside them.
    const shape = shapeForParameters(7e9);
    assert.equal(shape.dim, 4096);
    assert.equal(shape.layers, 33);
    const spec = syntheticModelSpec({ parameters: 7e9, quantization: 'F16' });
    assert.ok(Math.abs(spec.parameters / 7e9 - 1) < 0.03);
    assert.equal(spec.name, 'llama-7b-F16');
    assert.ok(Math.abs(weightBytes(spec) / (2 * spec.parameters) - 1) < 1e-3);
  });

  test('refuses unknown shapes and quantizations', () => {
    assert.throws(
      () => syntheticModelSpec({ shape: 'toString' as 'llama-2-7b', quantization: 'Q8_0' }),
      RangeError,
    );
    assert.throws(() => bytesPerWeight('Q9_9'), /unknown quantization/);
    assert.throws(() => bytesPerWeight('constructor'), RangeError);
    assert.equal(bytesPerWeight('q8_0'), 34 / 32);
  });
});

describe('modelSpecFromInfo', () => {
  const base: ModelInfo = {
    name: 'synth-850m',
    path: '/models/synth-850m.gguf',
    architecture: 'llama',
    layers: 16,
    parameters: 852_559_872,
    bytes: 906_842_240,
    quantization: 'Q8_0',
    contextLength: 4096,
    embeddingLength: 2048,
    headCount: 16,
    headCountKv: 4,
    vocabSize: 32000,
    layerBytes: Array.from({ length: 16 }, () => 47_923_200),
    nonLayerBytes: 139_272_192,
    kvBytesPerToken: 32_768,
  };

  test('splits two vocab × dim matrices into embeddings and output', () => {
    const spec = modelSpecFromInfo(base);
    assert.equal(spec.tiedEmbeddings, false);
    assert.equal(spec.embeddingBytes, 139_272_192 / 2);
    assert.equal(spec.outputBytes, 139_272_192 / 2);
    assert.equal(spec.fileBytes, 906_842_240);
    assert.equal(spec.kvBytesPerToken, 32_768);
    assert.deepEqual(spec.layerBytes, base.layerBytes);
  });

  test('treats one vocab × dim matrix as tied embeddings, and derives KV when absent', () => {
    const tied = modelSpecFromInfo({ ...base, nonLayerBytes: 69_640_192, kvBytesPerToken: 0 });
    assert.equal(tied.tiedEmbeddings, true);
    assert.equal(tied.embeddingBytes, 69_640_192);
    assert.equal(tied.outputBytes, 69_640_192);
    assert.equal(tied.kvBytesPerToken, 32_768);
  });
});
