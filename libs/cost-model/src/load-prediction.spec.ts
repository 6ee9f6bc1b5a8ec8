import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_CATALOG } from './device-catalog.js';
import { loadBreakdown, predictLoadMs } from './load-prediction.js';
import { assertClose, TOY_ENV, TOY_GPU, TOY_MODEL } from './test-fixtures.js';

describe('predictLoadMs', () => {
  const gpu = { model: TOY_MODEL, device: TOY_GPU, gpuLayers: 5, contextSize: 2048, threads: 1 };
  // PCIe 4.0 x16 at 80 %: 16e9 × 16 × 128/130 / 8 × 0.8 = 25.2 GB/s; 460 MB take 18.25 ms.
  const uploadMs = (460e6 / (((16e9 * 16 * (128 / 130)) / 8) * 0.8)) * 1000;

  test('cold: file / storage bandwidth + GPU share / link + setup', () => {
    // 2 GB at 1 GB/s = 2,000 ms, plus the upload, plus 100 ms of setup.
    const load = loadBreakdown(gpu, 'cold', TOY_ENV);
    assert.equal(load.bytesRead, 2e9);
    assert.equal(load.bytesUploaded, 460e6);
    assertClose(load.readMs, 2000);
    assertClose(load.uploadMs, uploadMs);
    assertClose(load.totalMs, 2000 + uploadMs + 100);
    assert.ok(Math.abs(uploadMs - 18.2495) < 1e-3, `upload is about 18.25 ms, not ${uploadMs}`);
  });

  test('warm: the page cache instead of storage (2 GB at 4 GB/s = 500 ms)', () => {
    assertClose(predictLoadMs(gpu, 'warm', TOY_ENV), 500 + uploadMs + 100);
  });

  test('a CPU uploads nothing', () => {
    const cpu = { ...gpu, device: DEVICE_CATALOG.cpu };
    assertClose(predictLoadMs(cpu, 'cold', TOY_ENV), 2100);
    assert.equal(loadBreakdown(cpu, 'warm', TOY_ENV).uploadMs, 0);
  });
});
