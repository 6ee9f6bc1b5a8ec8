import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetView } from './fleet-view.js';
import { gpuHeartbeat } from './scheduler-test-fixtures.js';

const reload = (gpuLayers: number, slots = 2) =>
  ({ type: 'load', model: 'big', gpuLayers, contextSize: 512, slots }) as const;

describe('FleetView', () => {
  it('applies a pending re-offload of a loaded model: new level, its memory, a fresh load', () => {
    const view = new FleetView();
    view.recordSent('w1', '6-0', reload(4));
    const before = Date.now();
    const [worker] = view.build([gpuHeartbeat()]);
    const big = worker.loaded.find((m) => m.model === 'big')!;
    assert.equal(big.gpuLayers, 4);
    assert.equal(big.memoryBytes, 400);
    assert.ok(big.loadedAt >= before, 'reloaded: states saved before it are gone');
    assert.equal(worker.loaded.length, 1);
  });

  it('forgets the re-offload once the heartbeat says it was applied', () => {
    const view = new FleetView();
    view.recordSent('w1', '6-0', reload(4));
    const [worker] = view.build([gpuHeartbeat({ appliedCommandId: '6-0' })]);
    assert.equal(worker.loaded[0].gpuLayers, 10);
    assert.equal(worker.loaded[0].memoryBytes, 1_000);
    assert.equal(worker.loaded[0].loadedAt, 100);
  });

  it('leaves a load of what is loaded already, and a reload the worker will refuse, as they are', () => {
    const view = new FleetView();
    view.recordSent('w1', '6-0', reload(10));
    const [same] = view.build([gpuHeartbeat()]);
    assert.deepEqual(
      [same.loaded[0].gpuLayers, same.loaded[0].memoryBytes, same.loaded[0].loadedAt],
      [10, 1_000, 100],
    );
    const busy = gpuHeartbeat();
    busy.loaded[0].busySlots = 1;
    view.recordSent('w1', '7-0', reload(4));
    const [refused] = view.build([busy]);
    assert.equal(refused.loaded[0].gpuLayers, 10);
  });

  it('keeps a CPU worker at 0 layers and its memory whatever level is asked', () => {
    const view = new FleetView();
    view.recordSent('w1', '6-0', reload(4));
    const cpu = gpuHeartbeat({
      device: { kind: 'cpu', name: 'CPU', gpuMemoryTotalBytes: 0, ramTotalBytes: 1, threads: 1 },
    });
    cpu.loaded[0].gpuLayers = 0;
    const [worker] = view.build([cpu]);
    assert.deepEqual([worker.loaded[0].gpuLayers, worker.loaded[0].memoryBytes], [0, 1_000]);
    assert.equal(worker.loaded[0].loadedAt, 100);
  });

  it('passes on the files a worker has read (warmModels), and nothing for a worker that does not say', () => {
    const view = new FleetView();
    const [warm, older] = view.build([
      gpuHeartbeat({ warmModels: ['big', 'small'] }),
      gpuHeartbeat({ id: 'w2' }),
    ]);
    assert.deepEqual(warm.warmModels, ['big', 'small']);
    assert.equal(older.warmModels, undefined);
    assert.equal('warmModels' in older, false);
  });
});
