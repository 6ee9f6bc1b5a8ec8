import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BucketedSeries } from './bucketed-series.js';

describe('BucketedSeries', () => {
  test('max: the peak of each bucket, carried over empty buckets', () => {
    const s = new BucketedSeries(10, 'max');
    s.record(0, 1);
    s.record(3, 5);
    s.record(4, 2);
    s.record(25, 0);
    assert.deepEqual(s.points(40), [
      [0, 5],
      [10, 2],
      [20, 2],
      [30, 0],
    ]);
  });

  test('mean: time-weighted, the last bucket over its own span', () => {
    const s = new BucketedSeries(10, 'mean');
    s.record(0, 4);
    s.record(5, 0);
    s.record(12, 10);
    assert.deepEqual(s.points(15), [
      [0, 2],
      [10, 6],
    ]);
  });

  test('mean: ends on bucket boundaries of a width that is not a whole number', () => {
    const width = 1840000 / 600;
    const s = new BucketedSeries(width, 'mean');
    for (let b = 1; b <= 600; b++) s.record(b * width, b % 3);
    const points = s.points(600 * width);
    assert.equal(points.length, 600);
    assert.ok(points.every(([, v]) => v >= 0 && v <= 2 + 1e-9));
  });
});
