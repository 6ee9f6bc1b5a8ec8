import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_CATALOG, matchCatalogDevice } from './device-catalog.js';
import { pcieBytesPerSecond } from './device-spec.js';
import { DEFAULT_COST_ENVIRONMENT, linkBytesPerSecond } from './placement.js';
import { BYTES_PER_GIB } from './units.js';

describe('DEVICE_CATALOG', () => {
  test('holds every device the issue names, each with every figure above zero', () => {
    const ids = Object.keys(DEVICE_CATALOG).sort();
    assert.deepEqual(ids, [
      'a10',
      'a100-40gb',
      'a100-80gb',
      'cpu',
      'h100-pcie',
      'h100-sxm',
      'h200',
      'l4',
      'l40s',
      'rtx-3090',
      'rtx-4090',
      't4',
    ]);
    for (const [id, device] of Object.entries(DEVICE_CATALOG)) {
      assert.equal(device.id, id);
      assert.ok(device.name.length > 0, id);
      assert.ok(device.memoryBytes > 0, id);
      assert.ok(device.memoryBandwidthBytesPerSecond > 0, id);
      assert.ok(device.fp16FlopsPerSecond > 0, id);
      assert.ok(linkBytesPerSecond(device, DEFAULT_COST_ENVIRONMENT) > 0, id);
      assert.equal(device.kind, id === 'cpu' ? 'cpu' : 'cuda');
    }
  });

  test('keeps the datasheet figures', () => {
    assert.equal(DEVICE_CATALOG.h200.memoryBytes, 141 * BYTES_PER_GIB);
    assert.equal(DEVICE_CATALOG.h200.memoryBandwidthBytesPerSecond, 4.8e12);
    assert.equal(DEVICE_CATALOG['h100-sxm'].memoryBandwidthBytesPerSecond, 3.35e12);
    assert.equal(DEVICE_CATALOG['h100-sxm'].nvlinkBytesPerSecond, 900e9);
    assert.equal(DEVICE_CATALOG.t4.interconnect.kind, 'pcie');
    assert.equal(DEVICE_CATALOG['rtx-4090'].fp16FlopsPerSecond, 165.2e12);
  });
});

describe('pcieBytesPerSecond', () => {
  test('is one direction: transfers/s × lanes × 128/130 / 8', () => {
    assert.equal(pcieBytesPerSecond(4, 16), (16e9 * 16 * (128 / 130)) / 8); // ≈ 31.5 GB/s
    assert.ok(Math.abs(pcieBytesPerSecond(3, 16) / 15.75e9 - 1) < 0.001);
    assert.ok(Math.abs(pcieBytesPerSecond(5, 16) / 63.0e9 - 1) < 0.001);
  });
});

describe('matchCatalogDevice', () => {
  test('maps driver-reported GPU names to catalog entries', () => {
    assert.equal(matchCatalogDevice('NVIDIA H100 80GB HBM3')?.id, 'h100-sxm');
    assert.equal(matchCatalogDevice('NVIDIA H100 PCIe')?.id, 'h100-pcie');
    assert.equal(matchCatalogDevice('NVIDIA A100-SXM4-80GB')?.id, 'a100-80gb');
    assert.equal(matchCatalogDevice('NVIDIA A100-PCIE-40GB')?.id, 'a100-40gb');
    assert.equal(matchCatalogDevice('NVIDIA L40S')?.id, 'l40s');
    assert.equal(matchCatalogDevice('NVIDIA L4')?.id, 'l4');
    assert.equal(matchCatalogDevice('Tesla T4')?.id, 't4');
    assert.equal(matchCatalogDevice('NVIDIA GeForce RTX 4090')?.id, 'rtx-4090');
    assert.equal(matchCatalogDevice('AMD Radeon RX 7900 XTX'), undefined);
  });
});
