import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CpuLoadMeter, waitForQuiet } from './cpu-load-meter.js';

describe('CpuLoadMeter', () => {
  it('reports a share of the machine between 0 and 1, excluding this process', async () => {
    const meter = CpuLoadMeter.start();
    // Busy in this process only: it must not count as other load.
    const until = Date.now() + 50;
    while (Date.now() < until);
    const share = meter.otherShare();
    assert.ok(share >= 0 && share <= 1, `${share}`);
  });

  it('waits for two quiet windows, or gives up at the deadline', async () => {
    const waits: number[] = [];
    const anything = await waitForQuiet({ maxShare: 1, maxWaitMs: 10_000, windowMs: 5 });
    assert.ok(anything <= 1);
    const nothing = await waitForQuiet({
      maxShare: -1,
      maxWaitMs: 30,
      windowMs: 5,
      onWait: (share) => waits.push(share),
    });
    assert.ok(nothing >= 0);
    assert.ok(waits.length >= 1);
  });
});
