import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBatchExtraMs,
  decodeBreakdown,
  hostBandwidthFromDecode,
  hostDecodeFit,
  predictDecodeTokensPerSecond,
} from './decode-prediction.js';
import { DEVICE_CATALOG } from './device-catalog.js';
import { hostBandwidthBytesPerSecond, hostTokenOverheadMs, type HostSpec } from './host-spec.js';
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

/** TOY_ENV with the probe's fixed cost per token at the given thread counts. */
const withMeasured = (measuredTokenOverheadMs: HostSpec['measuredTokenOverheadMs']) => ({
  ...TOY_ENV,
  host: { ...TOY_ENV.host, measuredTokenOverheadMs },
});

describe('hostTokenOverheadMs', () => {
  test('takes the thread count measured, else the nearest below, else the fewest', () => {
    const { host } = withMeasured([
      { threads: 4, ms: 3 },
      { threads: 1, ms: 0.2 },
    ]);
    assert.equal(hostTokenOverheadMs(host, 1), 0.2);
    assert.equal(hostTokenOverheadMs(host, 2), 0.2);
    assert.equal(hostTokenOverheadMs(host, 4), 3);
    assert.equal(hostTokenOverheadMs(host, 8), 3);
    assert.equal(hostTokenOverheadMs(withMeasured([{ threads: 2, ms: 7 }]).host, 1), 7);
    assert.equal(hostTokenOverheadMs(TOY_ENV.host, 2), 0.5);
  });
});

describe('decodeBreakdown with a measured token overhead', () => {
  const env = withMeasured([
    { threads: 1, ms: -5 },
    { threads: 2, ms: 8 },
  ]);

  test('applies it when the token runs weights on host threads', () => {
    // 8 + 2 × 0.25 (host blocks) + 2 × 0.05 (GPU blocks) + 1,000 × 1 ns.
    assertClose(decodeBreakdown(at(2, 2), 0, env).overheadMs, 8.601);
    // Every block on the GPU, the output on the host: 8 + 4 × 0.05 + 0.001.
    assertClose(decodeBreakdown(at(4, 2), 0, env).overheadMs, 8.201);
  });

  test('keeps the default for a token that runs entirely on the GPU', () => {
    assertClose(decodeBreakdown(at(5, 2), 0, env).overheadMs, 0.5 + 4 * 0.05 + 0.001);
  });

  test('never lets the overhead go below zero', () => {
    // −5 + 4 × 0.25 + 0.001 < 0.
    assert.equal(
      decodeBreakdown({ ...at(0, 1), device: DEVICE_CATALOG.cpu }, 0, env).overheadMs,
      0,
    );
  });
});

describe('hostDecodeFit', () => {
  // 1/100 of the toy model: 4 MB of blocks, 600 kB of output, 500-byte embedding rows.
  const small = {
    ...TOY_MODEL,
    name: 'small',
    layerBytes: [1e6, 1e6, 1e6, 1e6],
    embeddingBytes: 5e5,
    outputBytes: 6e5,
  };
  const cpu = (model: typeof TOY_MODEL, threads: number) => ({
    ...at(0, threads),
    model,
    device: DEVICE_CATALOG.cpu,
  });

  test('recovers the bandwidth and the fixed cost per token from two decodes', () => {
    // 2 threads: 15 GB/s. Large: 460.05 MB → 30.67 ms + 8 + 1 + 0.001 ms = 39.671 ms per token.
    // Small: 4.6005 MB → 0.3067 ms + 9.001 ms = 9.3077 ms per token.
    const fit = hostDecodeFit(
      { placement: cpu(small, 2), tokensPerSecond: 1000 / 9.3077 },
      { placement: cpu(TOY_MODEL, 2), tokensPerSecond: 1000 / 39.671 },
      TOY_ENV,
    );
    assertClose(fit?.bytesPerSecond ?? 0, 15e9);
    assertClose(fit?.tokenOverheadMs ?? 0, 8);
  });

  test('inverts the formula for any overhead that is a cost', () => {
    for (const ms of [0, 0.5, 12]) {
      const env = withMeasured([{ threads: 1, ms }]);
      const sample = (model: typeof TOY_MODEL) => ({
        placement: cpu(model, 1),
        tokensPerSecond: predictDecodeTokensPerSecond(cpu(model, 1), 0, env),
      });
      const fit = hostDecodeFit(sample(small), sample(TOY_MODEL), TOY_ENV);
      assertClose(fit?.bytesPerSecond ?? 0, 10e9);
      assertClose(fit?.tokenOverheadMs ?? 0, ms);
    }
  });

  test('never fits a negative overhead: then 0, and the large decode alone', () => {
    // The formula's own fixed terms: 4 × 0.25 + 0.001 = 1.001 ms for either model at 1 thread.
    // Small 1.2 ms, large 47.0 ms: the line through both has a negative intercept.
    const fit = hostDecodeFit(
      { placement: cpu(small, 1), tokensPerSecond: 1000 / 1.2 },
      { placement: cpu(TOY_MODEL, 1), tokensPerSecond: 1000 / 47 },
      TOY_ENV,
    );
    assert.equal(fit?.tokenOverheadMs, 0);
    // 460.05 MB in 47 − 1.001 ms.
    assertClose(fit?.bytesPerSecond ?? 0, (460_050_000 / 45.999) * 1000);
  });

  test('gives nothing when the larger model is not the slower', () => {
    const same = { placement: cpu(TOY_MODEL, 1), tokensPerSecond: 20 };
    assert.equal(hostDecodeFit({ placement: cpu(small, 1), tokensPerSecond: 10 }, same), undefined);
    assert.equal(hostDecodeFit(same, same), undefined);
  });
});

describe('decodeBatchExtraMs', () => {
  const cpu = (threads: number) => ({ ...at(0, threads), device: DEVICE_CATALOG.cpu });

  test('on a CPU core-bound at 1 thread: a second sequence streams the weights again', () => {
    // 4 blocks + the 60 MB output + one 50 kB row = 460.05 MB at 10 GB/s (the cap, 15 GB/s,
    // does not bind one thread): 46.005 ms, plus 1,000 × 1 ns of sampling.
    assertClose(decodeBatchExtraMs(cpu(1), TOY_ENV), 46.006);
  });

  test('on a CPU capped by memory at 2 threads: only what the cap left idle', () => {
    // One sequence: max(460.05 MB / 20 GB/s, 460.05 MB / 15 GB/s) = 30.67 ms; two: max(46.005,
    // 30.67) = 46.005 ms.
    assertClose(decodeBatchExtraMs(cpu(2), TOY_ENV), 46.005 - 460.05 / 15 + 0.001);
  });

  test('on a GPU only the sampling, at any offload level', () => {
    for (const level of [0, 2, 5]) assertClose(decodeBatchExtraMs(at(level), TOY_ENV), 0.001);
  });
});
