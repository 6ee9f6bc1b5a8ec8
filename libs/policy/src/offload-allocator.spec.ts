import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allocateOffload, type OffloadCandidate } from './offload-allocator.js';

/** A model whose levels cost `perLevel` bytes each and whose demand costs `cost[i]` at level i. */
function candidate(model: string, perLevel: number, cost: number[]): OffloadCandidate {
  return {
    model,
    levels: cost.map((_, i) => i),
    bytes: cost.map((_, i) => i * perLevel),
    cost,
  };
}

describe('allocateOffload', () => {
  test('gives each byte to the model that saves the most per byte', () => {
    // small saves 30 per 10 bytes; big saves 20 per 20 bytes; 40 bytes to share.
    const small = candidate('small', 10, [100, 70, 40, 10]);
    const big = candidate('big', 20, [100, 80, 60, 40]);
    assert.deepEqual(allocateOffload([small, big], 40), [3, 0]);
    assert.deepEqual(allocateOffload([small, big], 70), [3, 2]);
  });

  test('climbs a curve that gains little per layer and much at its last one', () => {
    // The output layer (level 3) holds most of the gain: chords find it past the flat levels.
    const steep = candidate('steep', 10, [100, 99, 98, 10]);
    const linear = candidate('linear', 10, [100, 90, 80, 70]);
    assert.deepEqual(allocateOffload([steep, linear], 30), [3, 0]);
  });

  test('leaves memory unused where it saves nothing', () => {
    const idle = candidate('idle', 10, [0, 0, 0]);
    assert.deepEqual(allocateOffload([idle], 100), [0]);
  });

  test('is undefined when not even the lowest levels fit', () => {
    const a = { ...candidate('a', 10, [5, 1]), bytes: [30, 40] };
    assert.equal(allocateOffload([a], 20), undefined);
  });

  test('breaks ties by the larger saving, then by order', () => {
    const a = candidate('a', 10, [20, 10]);
    const b = candidate('b', 10, [20, 10]);
    assert.deepEqual(allocateOffload([a, b], 10), [1, 0]);
    const c = candidate('c', 20, [40, 20]);
    assert.deepEqual(allocateOffload([a, c], 20), [0, 1]);
  });
});
