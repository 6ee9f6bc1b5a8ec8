import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPolicy } from '#switchyard/policy';
import { loadMs, run, tiny } from './simulator-test-fixtures.js';

describe('Simulator, warm model files', () => {
  test('a worker reports a model warm once its first load is done, as the live worker does', () => {
    // One job at 0 (its model loads cold), one during that load, one well after.
    const scenario = tiny([
      ['batch', 0, 10, 5],
      ['batch', Math.round(loadMs / 2), 10, 5],
      ['batch', 60_000, 10, 5],
    ]);
    const seen: string[] = [];
    const lru = createPolicy('lru');
    run(scenario, {
      decide: (s) => {
        const [w] = s.workers;
        const loaded = w.loaded.map((m) => m.model).join(',') || 'none';
        const line = `${loaded} warm [${w.warmModels?.join(',')}]`;
        if (seen.at(-1) !== line) seen.push(line);
        return lru.decide(s);
      },
    });
    // Before and during the load (the copy shows at once, its file still being read): cold.
    assert.deepEqual(seen, ['none warm []', 'm warm []', 'm warm [m]']);
  });
});
