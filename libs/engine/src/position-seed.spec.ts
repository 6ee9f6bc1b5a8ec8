import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { positionSeed } from './position-seed.js';

describe('positionSeed', () => {
  it('is a deterministic uint32 that differs by seed and position', () => {
    const seeds = new Set<number>();
    for (const seed of [0, 1, 42, 2 ** 32 - 1]) {
      for (let position = 0; position < 100; position++) {
        const value = positionSeed(seed, position);
        assert.equal(value, positionSeed(seed, position));
        assert.ok(Number.isInteger(value) && value >= 0 && value < 2 ** 32);
        seeds.add(value);
      }
    }
    assert.equal(seeds.size, 400);
  });
});
