import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelNotFoundError } from './model-not-found-error.js';
import { ModelRegistry } from './model-registry.js';
import type { SyntheticModelShape } from './model-shape.js';
import { writeSyntheticModel } from './synthetic-model-writer.js';

const TINY: SyntheticModelShape = {
  name: 'tiny',
  dim: 64,
  layers: 2,
  heads: 4,
  kvHeads: 4,
  ffDim: 96,
  vocabSize: 300,
  contextLength: 128,
  type: 'Q8_0',
  seed: 1,
};

describe('ModelRegistry', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'gguf-registry-'));
    const models = join(root, 'models');
    await writeSyntheticModel(join(models, 'beta.gguf'), { ...TINY, name: 'beta' });
    await writeSyntheticModel(join(models, 'alpha.gguf'), { ...TINY, name: 'alpha', layers: 3 });
    await writeFile(join(models, 'junk.gguf'), 'this is not a model');
    await writeFile(join(models, 'notes.txt'), 'ignored');
    await writeSyntheticModel(join(root, 'elsewhere', 'g.gguf'), { ...TINY, type: 'F16' });
    await mkdir(join(root, 'config'));
    await writeFile(
      join(root, 'config', 'models.json'),
      JSON.stringify({
        models: [
          { name: 'gamma', path: '../elsewhere/g.gguf' },
          { name: 'ghost', path: '../elsewhere/missing.gguf' },
          { name: 'nameless' },
        ],
      }),
    );
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('scans a folder and a manifest, skipping what it cannot read', async () => {
    const registry = await ModelRegistry.scan(join(root, 'models'), {
      manifestPath: join(root, 'config', 'models.json'),
    });
    assert.deepEqual(registry.names(), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(
      registry.list().map((m) => m.name),
      ['alpha', 'beta', 'gamma'],
    );
    assert.equal(registry.get('alpha')?.layers, 3);
    assert.equal(registry.get('gamma')?.quantization, 'F16');
    assert.equal(registry.get('gamma')?.path, join(root, 'elsewhere', 'g.gguf'));
    assert.equal(registry.get('junk'), undefined);
    assert.equal(registry.problems.length, 3, registry.problems.join('\n'));
    assert.ok(registry.problems.some((p) => p.includes('junk.gguf')));
    assert.ok(registry.problems.some((p) => p.includes('missing.gguf')));
    assert.ok(registry.problems.some((p) => p.includes('models[2]')));
  });

  test('a missing folder is an empty registry; a broken manifest is a problem', async () => {
    const empty = await ModelRegistry.scan(join(root, 'nope'));
    assert.deepEqual(empty.list(), []);
    assert.deepEqual(empty.problems, []);
    await writeFile(join(root, 'bad.json'), '{ not json');
    const broken = await ModelRegistry.scan(join(root, 'nope'), {
      manifestPath: join(root, 'bad.json'),
    });
    assert.deepEqual(broken.names(), []);
    assert.equal(broken.problems.length, 1);
    assert.match(broken.problems[0], /bad\.json: cannot read manifest/);
  });
});

describe('ModelNotFoundError', () => {
  test('names the model and what is available', () => {
    const error = new ModelNotFoundError('llama-70b', ['alpha', 'beta']);
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ModelNotFoundError');
    assert.equal(error.message, 'model "llama-70b" not found; available: alpha, beta');
    assert.match(new ModelNotFoundError('x', []).message, /no models are available/);
  });
});
