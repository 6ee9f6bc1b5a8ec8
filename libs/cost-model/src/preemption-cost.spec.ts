import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_CATALOG } from './device-catalog.js';
import { syntheticModelSpec } from './model-shapes.js';
import {
  cheapestPreemption,
  combinePreemptionCosts,
  predictPreemptionCosts,
} from './preemption-cost.js';
import { linkBytesPerSecond } from './placement.js';
import { predictPrefillTokensPerSecond } from './prefill-prediction.js';
import { assertClose, TOY_ENV, TOY_GPU, TOY_MODEL } from './test-fixtures.js';

const job = { promptTokens: 300, generatedTokens: 100 };

describe('predictPreemptionCosts', () => {
  test('on a CPU: a KV memory copy out and back, recompute at the prefill rate, reload + recompute', () => {
    const cpu = {
      model: TOY_MODEL,
      device: DEVICE_CATALOG.cpu,
      gpuLayers: 0,
      contextSize: 2048,
      threads: 1,
    };
    const costs = predictPreemptionCosts(cpu, job, TOY_ENV);
    // 400 tokens × 1,000 bytes × 4 blocks = 1.6 MB, copied at 15 GB/s / 2 (read + write), twice.
    assertClose(costs['save-restore-kv'].seconds, (2 * 1.6e6) / 7.5e9);
    assert.equal(costs['save-restore-kv'].bytesMoved, 3.2e6);
    const recompute = 400 / predictPrefillTokensPerSecond(cpu, 400, TOY_ENV);
    assertClose(costs['recompute-kv'].seconds, recompute);
    assert.equal(costs['recompute-kv'].bytesMoved, 0);
    // Warm reload: 2 GB at 4 GB/s + 100 ms setup, nothing uploaded.
    assertClose(costs['evict-reload'].seconds, 0.6 + recompute);
    assert.equal(costs['evict-reload'].bytesMoved, 2e9);
    assert.equal(cheapestPreemption(costs).path, 'save-restore-kv');
  });

  test('on a GPU the resident KV crosses the link', () => {
    const gpu = { model: TOY_MODEL, device: TOY_GPU, gpuLayers: 5, contextSize: 2048, threads: 1 };
    const costs = predictPreemptionCosts(gpu, job, TOY_ENV);
    assertClose(
      costs['save-restore-kv'].seconds,
      (2 * 1.6e6) / linkBytesPerSecond(TOY_GPU, TOY_ENV),
    );
    // A cold reload reads 2 GB from storage and uploads 460 MB.
    assert.equal(
      predictPreemptionCosts(gpu, job, TOY_ENV, 'cold')['evict-reload'].bytesMoved,
      2.46e9,
    );
  });

  test('refuses negative or fractional token counts', () => {
    const cpu = {
      model: TOY_MODEL,
      device: DEVICE_CATALOG.cpu,
      gpuLayers: 0,
      contextSize: 2048,
      threads: 1,
    };
    assert.throws(
      () => predictPreemptionCosts(cpu, { promptTokens: -1, generatedTokens: 0 }, TOY_ENV),
      RangeError,
    );
    assert.throws(
      () => predictPreemptionCosts(cpu, { promptTokens: 1, generatedTokens: 0.5 }, TOY_ENV),
      RangeError,
    );
  });

  test("reproduce the study's second finding: reloading dwarfs moving the KV cache", () => {
    const cases = [
      { shape: 'synth-850m', quantization: 'Q8_0', device: DEVICE_CATALOG.cpu, gpuLayers: 0 },
      {
        shape: 'llama-2-7b',
        quantization: 'Q4_K_M',
        device: DEVICE_CATALOG['h100-sxm'],
        gpuLayers: 33,
      },
      { shape: 'llama-2-70b', quantization: 'Q4_K_M', device: DEVICE_CATALOG.h200, gpuLayers: 81 },
    ] as const;
    for (const c of cases) {
      const model = syntheticModelSpec({ shape: c.shape, quantization: c.quantization });
      const placement = {
        model,
        device: c.device,
        gpuLayers: c.gpuLayers,
        contextSize: 4096,
        threads: 2,
      };
      const costs = predictPreemptionCosts(placement, { promptTokens: 1000, generatedTokens: 200 });
      const kv = costs['save-restore-kv'].seconds;
      assert.ok(
        costs['evict-reload'].seconds > 10 * kv,
        `${c.shape}: ${costs['evict-reload'].seconds} vs ${kv}`,
      );
      assert.notEqual(cheapestPreemption(costs).path, 'evict-reload');
    }
  });
});

describe('cheapestPreemption', () => {
  test('breaks a tie in time by fewer bytes moved', () => {
    const costs = combinePreemptionCosts({
      tokens: 100,
      kvSaveRestoreSeconds: 1,
      kvStateBytes: 10,
      recomputeTokensPerSecond: 100,
      reloadSeconds: 5,
      reloadBytes: 1e9,
    });
    assert.equal(costs['recompute-kv'].seconds, 1);
    assert.equal(cheapestPreemption(costs).path, 'recompute-kv');
    assert.equal(costs['evict-reload'].seconds, 6);
  });
});
