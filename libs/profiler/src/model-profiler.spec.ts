import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CostModel,
  DEFAULT_COST_ENVIRONMENT,
  modelSpecFromInfo,
  parseDeviceProfile,
  parseModelProfile,
} from '#switchyard/cost-model';
import { LlamaEngine } from '#switchyard/engine';
import { MODEL_PRESETS, readModelInfo, writeSyntheticModel } from '#switchyard/gguf';
import { probeHostBandwidth } from './host-bandwidth-probe.js';
import { PROBE_OVERHEAD_MODEL_SHAPE } from './probe-shapes.js';
import { PROFILER_MODEL_PREFIX, profileModel, type ModelMeasurement } from './model-profiler.js';
import { preemptionBreakdown } from './preemption-breakdown.js';
import { buildModelProfile } from './profile-builder.js';
import { measurementTable, preemptionTable } from './profile-tables.js';

// The profiler's output shape on the 5 M synthetic model, with few and short runs: these tests
// check what is measured and how it is assembled, not how fast this machine is.
// 4 layers × (K + V) × 256 dims × 2 bytes (F16 cache).
const KV_BYTES_PER_TOKEN = 4 * 2 * 256 * 2;

describe('profileModel on the 5 M model (real node-llama-cpp)', () => {
  let dir: string;
  let path: string;
  let engine: LlamaEngine;
  let measurement: ModelMeasurement;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sy-profiler-'));
    path = join(dir, 'synth-5m.gguf');
    await writeSyntheticModel(path, MODEL_PRESETS['synth-5m']);
    engine = await LlamaEngine.create({ threads: 1, gpu: false });
    const progress: string[] = [];
    measurement = await profileModel(
      engine,
      { name: 'synth-5m', path },
      {
        device: 'cpu',
        stateDir: dir,
        runs: 2,
        promptTokens: 48,
        decodeTokens: 16,
        kvTokens: 96,
        onProgress: (m) => progress.push(m),
      },
    );
    assert.ok(progress.length >= 3);
  });

  after(async () => {
    await engine?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('measures loads, one CPU level, KV state and recompute', () => {
    const m = measurement;
    assert.equal(m.model, 'synth-5m');
    assert.equal(m.device, 'cpu');
    assert.equal(m.threads, 1);
    assert.equal(m.totalLayers, MODEL_PRESETS['synth-5m'].layers + 1);
    assert.ok(m.fileBytes > 5_000_000);
    // A CPU-only build has one offload level.
    assert.deepEqual(
      m.levels.map((l) => l.gpuLayers),
      [0],
    );
    const level = m.levels[0]!;
    assert.equal(level.decodeRuns.length, 2);
    assert.equal(level.prefillRuns.length, 2);
    assert.ok(level.decodeTokensPerSecond > 0 && level.prefillTokensPerSecond > 0);
    // Two sequences of the copy at once (the default batch), each run one figure.
    assert.equal(level.batchDecode?.length, 1);
    const batch = level.batchDecode![0]!;
    assert.equal(batch.sequences, 2);
    assert.equal(batch.runs.length, 2);
    assert.ok(batch.tokensPerSecond > 0);
    assert.ok(Math.abs(level.prefillPromptTokens - 48) <= 2, `${level.prefillPromptTokens}`);
    assert.ok(level.loadWarmMs.every((ms) => ms > 0));
    // Cold is measured exactly when the file could be evicted.
    assert.equal(m.cold.ms !== undefined, m.cold.eviction.evicted);
    assert.ok(m.cold.eviction.method.length > 0);

    // The saved sequence: about kvTokens long, everything but the last sampled token.
    assert.ok(Math.abs(m.kv.tokens - 95) <= 3, `${m.kv.tokens} tokens saved`);
    assert.equal(m.kv.saveRuns.length, 3);
    assert.equal(m.kv.restoreRuns.length, 2);
    const perToken = m.kv.stateBytes / m.kv.tokens;
    assert.ok(perToken > KV_BYTES_PER_TOKEN && perToken < KV_BYTES_PER_TOKEN + 200, `${perToken}`);
    assert.equal(m.recompute.tokens, m.kv.tokens + 1);
    assert.equal(m.recompute.runs.length, 2);
    assert.ok(m.recompute.tokensPerSecond > 0);
  });

  it('leaves nothing behind: no model loaded, no state file', async () => {
    assert.deepEqual(
      engine.loadedModels().filter((m) => m.name.startsWith(PROFILER_MODEL_PREFIX)),
      [],
    );
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.kv')),
      [],
    );
  });

  it('builds a ModelProfile the cost model accepts and prefers', async () => {
    const profile = parseModelProfile(
      JSON.parse(JSON.stringify(buildModelProfile([measurement], 1))),
    );
    const level = measurement.levels[0]!;
    assert.deepEqual(profile.decodeTokensPerSecond, [
      { gpuLayers: 0, threads: 1, value: level.decodeTokensPerSecond, samples: 2 },
    ]);
    assert.equal(
      profile.kvStateBytesPerToken?.value,
      measurement.kv.stateBytes / measurement.kv.tokens,
    );
    assert.equal(profile.recomputeTokensPerSecond?.value, measurement.recompute.tokensPerSecond);

    const spec = { ...modelSpecFromInfo(await readModelInfo(path, 'synth-5m')) };
    const query = { model: spec, device: 'cpu', gpuLayers: 0, contextSize: 2048, threads: 1 };
    const model = new CostModel().withProfile(profile);
    assert.deepEqual(model.decode(query), {
      value: level.decodeTokensPerSecond,
      source: 'measured',
    });
    const batch = level.batchDecode![0]!;
    assert.deepEqual(profile.decodeBatchTokensPerSecond, [
      {
        gpuLayers: 0,
        threads: 1,
        sequences: 2,
        value: batch.tokensPerSecond,
        singleTokensPerSecond: level.decodeTokensPerSecond,
        samples: 2,
      },
    ]);
    // The step of two, less the step of one, as the cost model reads it.
    const single = level.decodeTokensPerSecond;
    assert.deepEqual(model.decodeBatchExtra(query), {
      value: Math.max(0, single / batch.tokensPerSecond - 1) * (1000 / single),
      source: 'measured',
    });
  });

  it('breaks the preemption cost down and prints tables', () => {
    const b = preemptionBreakdown(measurement);
    assert.equal(b.tokens, measurement.kv.tokens);
    assert.equal(b.kvSaveRestore.bytes, 2 * measurement.kv.stateBytes);
    assert.equal(b.kvSaveRestore.ms, measurement.kv.saveMs + measurement.kv.restoreMs);
    assert.equal(b.reloadWarm.bytes, measurement.fileBytes);
    assert.equal(b.recompute.bytes, 4 * b.tokens);
    assert.ok(
      Math.abs(b.recompute.ms - (b.tokens / measurement.recompute.tokensPerSecond) * 1000) < 1e-9,
    );
    const table = measurementTable([measurement]);
    assert.match(table, /^model\s+threads\s+GPU layers/);
    assert.match(table, /\nsynth-5m\s+1\s+0\/5\s/);
    assert.match(preemptionTable([b]), /\nsynth-5m\s+1\s+\d+\s+\S+ ms \/ 5\.5 MiB/);
  });
});

describe('probeHostBandwidth (small probe model)', () => {
  it('fits bytes per second and a fixed cost per token through its two decodes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-probe-'));
    try {
      const shape = { ...MODEL_PRESETS['synth-50m'], name: 'small-probe' };
      const result = await probeHostBandwidth({
        threads: [1],
        dir,
        shape,
        runs: 2,
        decodeTokens: 16,
      });
      const profile = parseDeviceProfile(JSON.parse(JSON.stringify(result.profile)));
      assert.equal(profile.device, 'cpu');
      const [point] = result.points;
      const { tokenOverheadMs } = point!;
      assert.deepEqual(profile.hostBandwidth, [
        {
          threads: 1,
          bytesPerSecond: point!.bytesPerSecond,
          ...(tokenOverheadMs === undefined ? {} : { tokenOverheadMs }),
        },
      ]);
      assert.equal(point!.runs.length, 2);
      assert.equal(point!.overhead.runs.length, 2);
      // The formula's per-block and sampling terms of each model (no token overhead).
      const host = DEFAULT_COST_ENVIRONMENT.host;
      const fixedMs = (s: { layers: number; vocabSize: number }) =>
        s.layers * host.layerOverheadMs + (s.vocabSize * host.samplingNsPerVocabEntry) / 1e6;
      const large = 1000 / point!.tokensPerSecond - fixedMs(shape);
      const small = 1000 / point!.overhead.tokensPerSecond - fixedMs(PROBE_OVERHEAD_MODEL_SHAPE);
      if (tokenOverheadMs === undefined) {
        // A disturbed run, the small model no faster: the large decode alone, as before.
        const expected = point!.bytesPerToken / ((large - host.tokenOverheadMs) / 1000);
        assert.ok(Math.abs(point!.bytesPerSecond / expected - 1) < 1e-9);
      } else {
        // time = tokenOverhead + fixed + bytes / bandwidth, through both points.
        const msPerByte = (large - small) / (point!.bytesPerToken - point!.overhead.bytesPerToken);
        const overhead = small - point!.overhead.bytesPerToken * msPerByte;
        if (overhead < 0) {
          // A line below zero at no bytes: no fixed cost, the large decode alone gives the rate.
          assert.equal(tokenOverheadMs, 0);
          const expected = point!.bytesPerToken / (large / 1000);
          assert.ok(Math.abs(point!.bytesPerSecond / expected - 1) < 1e-9);
        } else {
          assert.ok(Math.abs(point!.bytesPerSecond * (msPerByte / 1000) - 1) < 1e-9);
          assert.ok(Math.abs(tokenOverheadMs - overhead) < 1e-9);
        }
      }
      // Blocks, the output projection and one embedding row: about the file, less one matrix.
      assert.ok(
        point!.bytesPerToken > 0.7 * result.fileBytes && point!.bytesPerToken < result.fileBytes,
      );
      assert.ok(point!.overhead.bytesPerToken < point!.bytesPerToken / 10);
      if (result.coldLoadMs !== undefined) assert.equal(result.eviction.evicted, true);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
