import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CopyIndex } from './copy-index.js';
import { gpuWorker } from './policy-test-fixtures.js';

const ids = (workers: readonly { id: string }[]) => workers.map((w) => w.id);

describe('CopyIndex candidates', () => {
  test('one registry everywhere: every live worker, the draining one left out', () => {
    const workers = [
      gpuWorker('w1', 'l4'),
      gpuWorker('w2', 'l4', { draining: true }),
      gpuWorker('w3', 'l4', { models: ['small', 'big', 'tiny'] }),
    ];
    const index = new CopyIndex(() => workers);
    assert.deepEqual(ids(index.candidates('big')), ['w1', 'w3']);
    assert.deepEqual(ids(index.candidates('unknown')), []);
    assert.equal(index.serves(workers[2], 'tiny'), true);
    assert.equal(
      index.serves(workers[1], 'small'),
      true,
      'a draining worker still has its registry',
    );
  });

  test('registries that differ: each model its own workers', () => {
    const workers = [
      gpuWorker('w1', 'l4', { models: ['small'] }),
      gpuWorker('w2', 'l4', { models: ['small', 'big'] }),
      gpuWorker('w3', 'l4', { models: ['big', 'small'] }),
    ];
    const index = new CopyIndex(() => workers);
    assert.deepEqual(ids(index.candidates('small')), ['w1', 'w2', 'w3']);
    assert.deepEqual(ids(index.candidates('big')), ['w2', 'w3']);
    assert.equal(index.serves(workers[0], 'big'), false);
    assert.equal(index.serves(workers[2], 'big'), true);
  });
});
