import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';

/**
 * A models folder with the ~5 M preset and a second, smaller model (`synth-tiny`); with
 * `synth50m`, also the ~50 M preset (several times slower to decode: for jobs that must last).
 */
export async function makeTestModels(
  options: { synth50m?: boolean } = {},
): Promise<{ dir: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-models-'));
  await writeSyntheticModel(join(dir, 'synth-5m.gguf'), MODEL_PRESETS['synth-5m']);
  if (options.synth50m) {
    await writeSyntheticModel(join(dir, 'synth-50m.gguf'), MODEL_PRESETS['synth-50m']);
  }
  await writeSyntheticModel(join(dir, 'synth-tiny.gguf'), {
    ...MODEL_PRESETS['synth-5m'],
    name: 'synth-tiny',
    dim: 128,
    layers: 2,
    heads: 2,
    kvHeads: 2,
    ffDim: 352,
    seed: 7,
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
