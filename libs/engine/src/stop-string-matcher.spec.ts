import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StopStringMatcher } from './stop-string-matcher.js';

describe('StopStringMatcher', () => {
  it('passes text through when there are no stop strings', () => {
    const matcher = new StopStringMatcher(['']);
    assert.deepEqual(matcher.push('abc'), { emit: 'abc', stopped: false });
    assert.equal(matcher.flush(), '');
  });

  it('cuts before a stop string inside one piece', () => {
    const matcher = new StopStringMatcher(['END']);
    assert.deepEqual(matcher.push('hello END world'), { emit: 'hello ', stopped: true });
  });

  it('holds back a possible start of a stop string across pieces', () => {
    const matcher = new StopStringMatcher(['</s>']);
    assert.deepEqual(matcher.push('abc<'), { emit: 'abc', stopped: false });
    assert.deepEqual(matcher.push('/'), { emit: '', stopped: false });
    assert.deepEqual(matcher.push('s>tail'), { emit: '', stopped: true });
  });

  it('releases held text once it cannot become a stop string, or on flush', () => {
    const matcher = new StopStringMatcher(['STOP']);
    assert.deepEqual(matcher.push('xST'), { emit: 'x', stopped: false });
    assert.deepEqual(matcher.push('ay'), { emit: 'STay', stopped: false });
    assert.deepEqual(matcher.push(' S'), { emit: ' ', stopped: false });
    assert.equal(matcher.flush(), 'S');
  });

  it('stops at the earliest of several stop strings', () => {
    const matcher = new StopStringMatcher(['bb', 'a']);
    assert.deepEqual(matcher.push('xxbbya'), { emit: 'xx', stopped: true });
  });
});
