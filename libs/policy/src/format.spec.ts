import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIds } from './format.js';

describe('compareIds', () => {
  const sign = (a: string, b: string) => Math.sign(compareIds(a, b));

  it('compares digit runs as numbers', () => {
    assert.equal(sign('w2', 'w10'), -1);
    assert.equal(sign('w10', 'w2'), 1);
    assert.equal(sign('gpu-3-slot-12', 'gpu-3-slot-9'), 1);
    assert.equal(sign('job-100', 'job-100'), 0);
  });

  it('ignores leading zeros, then lets the plain order break the tie', () => {
    assert.equal(sign('w007', 'w8'), -1);
    assert.equal(sign('w0', 'w00'), -1);
    assert.equal(sign('w00', 'w0'), 1);
    assert.equal(sign('w02', 'w2'), -1);
  });

  it('orders text by character code and a prefix first', () => {
    assert.equal(sign('a', 'b'), -1);
    assert.equal(sign('w', 'w1'), -1);
    assert.equal(sign('w1a', 'w1'), 1);
    assert.equal(sign('B', 'a'), -1);
  });

  it('sorts a mixed list as a person reads it', () => {
    const ids = ['w10', 'w2', 'w1', 'x', 'w02', 'w1b', 'w1a'];
    assert.deepEqual(ids.sort(compareIds), ['w1', 'w1a', 'w1b', 'w02', 'w2', 'w10', 'x']);
  });
});
