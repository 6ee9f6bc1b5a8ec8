import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_PRESETS, isPresetName, presetNames } from './model-presets.js';
import { countParameters, validateShape } from './model-shape.js';
import { syntheticModelBytes } from './synthetic-layout.js';

describe('model presets', () => {
  test('are listed smallest first and valid', () => {
    assert.deepEqual(presetNames(), ['synth-5m', 'synth-50m', 'synth-300m', 'synth-850m']);
    for (const name of presetNames()) {
      assert.ok(isPresetName(name));
      const shape = MODEL_PRESETS[name as keyof typeof MODEL_PRESETS];
      assert.equal(shape.name, name);
      assert.equal(shape.type, 'Q8_0');
      validateShape(shape);
    }
    assert.ok(!isPresetName('synth-1t'));
    assert.ok(!isPresetName('toString'));
  });

  test('have about the parameter counts and sizes their names promise', () => {
    const millions = presetNames().map(
      (name) => countParameters(MODEL_PRESETS[name as keyof typeof MODEL_PRESETS]) / 1e6,
    );
    const targets = [5, 50, 300, 850];
    millions.forEach((m, i) =>
      assert.ok(Math.abs(m / targets[i] - 1) < 0.15, `${m} M vs ${targets[i]} M`),
    );
    // Q8_0 is 34 bytes per 32 weights, plus the header with the vocabulary.
    for (const name of presetNames()) {
      const shape = MODEL_PRESETS[name as keyof typeof MODEL_PRESETS];
      const ratio = syntheticModelBytes(shape) / countParameters(shape);
      assert.ok(ratio > 1.06 && ratio < 1.1, `${name}: ${ratio} bytes per weight`);
    }
  });
});

describe('countParameters', () => {
  test('counts embeddings, output, norms and every block matrix', () => {
    const shape = {
      name: 'x',
      dim: 64,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffDim: 96,
      vocabSize: 300,
      contextLength: 128,
      type: 'F32' as const,
      seed: 1,
    };
    const perLayer = 64 + 64 + 64 * 64 * 2 + 64 * 32 * 2 + 64 * 96 * 3;
    assert.equal(countParameters(shape), 300 * 64 * 2 + 64 + 2 * perLayer);
  });
});
