import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventQueue, type QueuedEvent } from './event-queue.js';
import { JobDeque } from './job-deque.js';
import { Prng } from './prng.js';

interface Tagged extends QueuedEvent {
  tag: number;
}

describe('EventQueue', () => {
  test('pops by time, then rank, then insertion order', () => {
    const q = new EventQueue<Tagged>();
    q.push({ at: 5, rank: 9, tag: 1 });
    q.push({ at: 5, rank: 0, tag: 2 });
    q.push({ at: 1, rank: 9, tag: 3 });
    q.push({ at: 5, rank: 0, tag: 4 });
    q.push({ at: 5, rank: 9, tag: 5 });
    q.push({ at: 0, rank: 4, tag: 6 });
    const order: number[] = [];
    for (let e = q.pop(); e; e = q.pop()) order.push(e.tag);
    assert.deepEqual(order, [6, 3, 2, 4, 1, 5]);
  });

  test('matches a stable sort on 10,000 random events pushed and popped interleaved', () => {
    const prng = new Prng(11);
    const q = new EventQueue<Tagged>();
    const reference: Tagged[] = [];
    const popped: number[] = [];
    const expected: number[] = [];
    const key = (a: Tagged, b: Tagged) => a.at - b.at || a.rank - b.rank || a.seq! - b.seq!;
    for (let i = 0; i < 10_000; i++) {
      const event = { at: prng.integer(0, 200), rank: prng.integer(0, 3), tag: i };
      q.push(event);
      reference.push(event);
      if (prng.next() < 0.3) {
        reference.sort(key);
        expected.push(reference.shift()!.tag);
        popped.push(q.pop()!.tag);
      }
    }
    reference.sort(key);
    for (const e of reference) expected.push(e.tag);
    for (let e = q.pop(); e; e = q.pop()) popped.push(e.tag);
    assert.deepEqual(popped, expected);
    assert.equal(q.size, 0);
  });
});

describe('JobDeque', () => {
  test('takes at both ends and grows past its initial size', () => {
    const d = new JobDeque<number>();
    for (let i = 0; i < 40; i++) d.pushBack(i);
    d.pushFront(-1);
    d.pushFront(-2);
    assert.equal(d.size, 42);
    assert.deepEqual([d.shift(), d.shift(), d.shift()], [-2, -1, 0]);
    assert.deepEqual([...d].slice(0, 3), [1, 2, 3]);
    d.clear();
    assert.equal(d.shift(), undefined);
  });
});

describe('Prng', () => {
  test('one seed gives one sequence; streams and seeds differ', () => {
    const draw = (seed: number, stream = 0) => {
      const p = new Prng(seed, stream);
      return Array.from({ length: 5 }, () => p.nextUint32());
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
    assert.notDeepEqual(draw(7, 0), draw(7, 1));
  });

  test('uniforms lie in [0, 1) with mean about 1/2; exponentials have the asked mean', () => {
    const p = new Prng(3);
    let sum = 0;
    let expSum = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = p.next();
      assert.ok(u >= 0 && u < 1);
      sum += u;
      expSum += p.exponential(250);
    }
    assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
    assert.ok(Math.abs(expSum / 100_000 - 250) < 5);
  });
});
