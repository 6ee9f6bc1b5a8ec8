import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBreakdown,
  hostBandwidthFromDecode,
  predictDecodeTokensPerSecond,
} from './decode-prediction.js';
import { DEVICE_CATALOG } from './device-catalog.js';
import { hostBandwidthBytesPerSecond } from './host-spec.js';
import { assertClose, TOY_ENV, TOY_GPU, TOY_MODEL } from './test-fixtures.js';

const at = (gpuLayers: number, threads = 1) => ({
  model: TOY_MODEL,
  device: TOY_GPU,
  gpuLayers,
  contextSize: 2048,
  threads,
});

describe('hostBandwidthBytesPerSecond', () => {
  test('grows per thread up to the host total', () => {
    assert.equal(hostBandwidthBytesPerSecond(TOY_ENV.host, 1), 10e9);
    assert.equal(hostBandwidthBytesPerSecond(TOY_ENV.host, 2), 15e9);
    assert.throws(() => hostBandwidthBytesPerSecond(TOY_ENV.host, 0), RangeError);
  });
});

describe('decodeBreakdown', () => {
  test('for 2 of 4 blocks on the GPU, by hand', () => {
    const d = decodeBreakdown(at(2), 0, TOY_ENV);
    // GPU: 2 blocks = 200 MB at 1,000 GB/s × 0.5 = 0.4 ms.
    assert.equal(d.gpuBytesRead, 2e8);
    assertClose(d.gpuMs, 0.4);
    // Host: 2 blocks + the 60 MB output + one 50 kB embedding row = 260.05 MB at 10 GB/s.
    assert.equal(d.hostBytesRead, 260_050_000);
    assertClose(d.hostMs, 26.005);
    // 0.5 + 2 × 0.25 (host blocks) + 2 × 0.05 (GPU blocks) + 1,000 × 1 ns.
    assertClose(d.overheadMs, 1.101);
    assertClose(d.msPerToken, 27.506);
    assertClose(d.tokensPerSecond, 1000 / 27.506);
  });

  test('a second thread helps only up to the host total (15 GB/s)', () => {
    assertClose(decodeBreakdown(at(2, 2), 0, TOY_ENV).hostMs, (260_050_000 / 15e9) * 1000);
  });

  test('adds the KV reads of the sequence on each side', () => {
    // 1,000 tokens × 1,000 bytes per token per block = 1 MB per block.
    const d = decodeBreakdown(at(2), 1000, TOY_ENV);
    assert.equal(d.gpuBytesRead, 2e8 + 2e6);
    assert.equal(d.hostBytesRead, 260_050_000 + 2e6);
  });

  test('falls hyperbolically, not linearly, as blocks leave the GPU', () => {
    const full = predictDecodeTokensPerSecond(at(5), 0, TOY_ENV);
    const half = predictDecodeTokensPerSecond(at(2), 0, TOY_ENV);
    const none = predictDecodeTokensPerSecond(at(0), 0, TOY_ENV);
    assert.ok(full > half && half > none);
    // Half the blocks on the GPU keeps far less than half of the full-residency rate.
    assert.ok(half < 0.1 * full, `${half} vs ${full}`);
  });

  test('ignores gpuLayers on a CPU device', () => {
    const cpu = { ...at(5), device: DEVICE_CATALOG.cpu };
    assert.deepEqual(
      decodeBreakdown(cpu, 0, TOY_ENV),
      decodeBreakdown({ ...cpu, gpuLayers: 0 }, 0, TOY_ENV),
    );
    assert.equal(decodeBreakdown(cpu, 0, TOY_ENV).gpuMs, 0);
  });
});

describe('hostBandwidthFromDecode', () => {
  test('inverts the formula for an all-host decode', () => {
    const cpu = { ...at(0), device: DEVICE_CATALOG.cpu };
    const rate = predictDecodeTokensPerSecond(cpu, 0, TOY_ENV);
    assertClose(hostBandwidthFromDecode(cpu, rate, TOY_ENV) ?? 0, 10e9);
    assert.equal(hostBandwidthFromDecode(cpu, 1e6, TOY_ENV), undefined);
  });
});
