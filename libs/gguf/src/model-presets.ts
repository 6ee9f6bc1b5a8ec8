import type { SyntheticModelShape } from './model-shape.js';

/** Names of the built-in synthetic model sizes. */
export type ModelPresetName = 'synth-5m' | 'synth-50m' | 'synth-300m' | 'synth-850m';

/**
 * Built-in shapes, all Q8_0. Their dim/layers/ff/vocab are the shapes measured in STACK.md
 * (5.3 M, 46 M, 336 M and 853 M parameters), so load and decode figures there apply.
 */
export const MODEL_PRESETS: Record<ModelPresetName, SyntheticModelShape> = {
  'synth-5m': {
    name: 'synth-5m',
    dim: 256,
    layers: 4,
    heads: 4,
    kvHeads: 4,
    ffDim: 704,
    vocabSize: 4096,
    contextLength: 2048,
    type: 'Q8_0',
    seed: 42,
  },
  'synth-50m': {
    name: 'synth-50m',
    dim: 512,
    layers: 12,
    heads: 8,
    kvHeads: 8,
    ffDim: 1376,
    vocabSize: 8192,
    contextLength: 4096,
    type: 'Q8_0',
    seed: 42,
  },
  'synth-300m': {
    name: 'synth-300m',
    dim: 1024,
    layers: 24,
    heads: 16,
    kvHeads: 4,
    ffDim: 2816,
    vocabSize: 32000,
    contextLength: 4096,
    type: 'Q8_0',
    seed: 42,
  },
  'synth-850m': {
    name: 'synth-850m',
    dim: 2048,
    layers: 16,
    heads: 16,
    kvHeads: 4,
    ffDim: 5632,
    vocabSize: 32000,
    contextLength: 4096,
    type: 'Q8_0',
    seed: 42,
  },
};

/** Preset names, smallest model first. */
export function presetNames(): string[] {
  return Object.keys(MODEL_PRESETS);
}

/** True when `name` is one of the built-in presets. */
export function isPresetName(name: string): name is ModelPresetName {
  return Object.hasOwn(MODEL_PRESETS, name);
}
