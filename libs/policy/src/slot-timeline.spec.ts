import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareIds, formatMs } from './format.js';
import { SlotTimeline } from './slot-timeline.js';

describe('SlotTimeline', () => {
  test('free slots are free at `from`, busy ones when their job ends', () => {
    const t = new SlotTimeline(3, [500, 200], 100);
    assert.equal(t.earliest, 100);
    assert.equal(t.latest, 500);
    t.take(900);
    assert.equal(t.earliest, 200);
    t.take(1_000);
    assert.equal(t.earliest, 500);
  });

  test('more jobs than slots: a slot frees when the excess has left', () => {
    const t = new SlotTimeline(1, [300, 100], 0);
    assert.equal(t.earliest, 300);
  });

  test('release moves a preempted job slot to its stop time', () => {
    const t = new SlotTimeline(2, [400, 900], 0);
    t.release(900, 10);
    assert.equal(t.earliest, 10);
    assert.equal(t.latest, 400);
  });

  test('no slots: never free', () => {
    assert.equal(new SlotTimeline(0, [], 0).earliest, Infinity);
  });
});

describe('format', () => {
  test('durations read as a person would say them', () => {
    assert.deepEqual([850.4, 1_234, 59_999, 200_000, 7_200_000, Infinity].map(formatMs), [
      '850 ms',
      '1.2 s',
      '60.0 s',
      '3.3 min',
      '2.0 h',
      'never',
    ]);
  });

  test('ids sort with their numbers as numbers', () => {
    const ids = ['w10', 'w2', 'a', 'w1', 'w02', 'b1', 'job-100', 'job-20'];
    assert.deepEqual(ids.sort(compareIds), [
      'a',
      'b1',
      'job-20',
      'job-100',
      'w1',
      'w02',
      'w2',
      'w10',
    ]);
  });
});
