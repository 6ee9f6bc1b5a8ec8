import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { IsInt, Min } from 'class-validator';
import { CommonEnv } from './common-env.js';
import { readFleetConfigFile } from './fleet-config-file.js';
import { InvalidEnvironmentError, loadEnv } from './load-env.js';

class SampleEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  SAMPLE_MS = 500;
}

test('defaults apply when a variable is unset or empty', () => {
  const env = loadEnv(SampleEnv, { SAMPLE_MS: '' });
  assert.equal(env.SAMPLE_MS, 500);
  assert.equal(env.REDIS_URL, 'redis://127.0.0.1:6379');
  assert.equal(env.CONTEXT_SIZE, 2048);
});

test('numbers are read from text', () => {
  const env = loadEnv(SampleEnv, { SAMPLE_MS: '1500', CONTEXT_SIZE: '4096' });
  assert.equal(env.SAMPLE_MS, 1500);
  assert.equal(env.CONTEXT_SIZE, 4096);
});

test('every bad variable is named', () => {
  assert.throws(
    () => loadEnv(SampleEnv, { SAMPLE_MS: 'soon', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' }),
    (error: unknown) => {
      assert.ok(error instanceof InvalidEnvironmentError);
      assert.match(error.message, /SAMPLE_MS must be an integer/);
      assert.match(error.message, /REDIS_URL must start with redis:\/\//);
      assert.match(error.message, /LOG_LEVEL must be one of/);
      return true;
    },
  );
});

test('a config file (SWITCHYARD_CONFIG) gives settings; the environment wins over it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
  try {
    const file = join(dir, 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({ SAMPLE_MS: 900, CONTEXT_SIZE: 1024, OTHER_PROCESS_SETTING: 'x' }),
    );
    const env = loadEnv(SampleEnv, { SWITCHYARD_CONFIG: file, CONTEXT_SIZE: '4096' });
    assert.equal(env.SAMPLE_MS, 900);
    assert.equal(env.CONTEXT_SIZE, 4096);

    writeFileSync(file, JSON.stringify({ SAMPLE_MS: 0 }));
    assert.throws(
      () => loadEnv(SampleEnv, { SWITCHYARD_CONFIG: file }),
      (error: unknown) =>
        error instanceof InvalidEnvironmentError &&
        error.problems.length === 1 &&
        error.problems[0] === `SAMPLE_MS must not be less than 1 (set in ${file})`,
    );
    writeFileSync(file, JSON.stringify({ sample_ms: 5, SAMPLE_MS: { nested: true } }));
    assert.throws(
      () => loadEnv(SampleEnv, { SWITCHYARD_CONFIG: file }),
      (error: unknown) =>
        error instanceof InvalidEnvironmentError &&
        error.problems[0] ===
          `SWITCHYARD_CONFIG ${file}: "sample_ms" is neither a setting name (UPPER_SNAKE_CASE) nor a section (classes, models)` &&
        error.problems[1] ===
          `SWITCHYARD_CONFIG ${file}: SAMPLE_MS must be a string, number or boolean`,
    );
    writeFileSync(file, '[1]');
    assert.throws(
      () => loadEnv(SampleEnv, { SWITCHYARD_CONFIG: file }),
      /must hold a JSON object of settings/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a config file may give the classes' SLAs and the models as sections", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
  try {
    const file = join(dir, 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({
        SAMPLE_MS: 700,
        classes: {
          interactive: { timeToFirstTokenMs: 1500 },
          standard: { completionMs: 60_000 },
          batch: { completionMs: 3_600_000, floorShare: 0.2 },
        },
        models: [{ name: 'llama-8b', path: 'models/llama-8b.gguf' }],
      }),
    );
    assert.deepEqual(readFleetConfigFile(file), {
      SAMPLE_MS: 700,
      SLA_INTERACTIVE_TTFT_MS: 1500,
      SLA_STANDARD_COMPLETION_MS: 60_000,
      SLA_BATCH_COMPLETION_MS: 3_600_000,
      BATCH_FLOOR_SHARE: 0.2,
      MODELS_MANIFEST: file,
    });
    assert.equal(loadEnv(SampleEnv, { SWITCHYARD_CONFIG: file }).SAMPLE_MS, 700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every problem of a config file's sections is named by its place in the file", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-config-'));
  try {
    const file = join(dir, 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({
        SLA_BATCH_COMPLETION_MS: 5000,
        classes: {
          interactive: { timeToFirstTokenMs: 0, completionMs: 5 },
          batch: { completionMs: 9000, floorShare: 2 },
          urgent: {},
        },
        models: [{ name: 'a', path: 'a.gguf' }, { name: '' }],
      }),
    );
    assert.throws(
      () => loadEnv(SampleEnv, { SWITCHYARD_CONFIG: file }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidEnvironmentError);
        assert.deepEqual(
          [...error.problems].sort(),
          [
            'classes.batch.floorShare must not be greater than 1',
            'classes.interactive.completionMs is not a known field',
            'classes.interactive.timeToFirstTokenMs must not be less than 1',
            'classes.urgent is not a known field',
            'models[1].name should not be empty',
            'models[1].path must be a string',
            'models[1].path should not be empty',
          ].map((p) => `SWITCHYARD_CONFIG ${file}: ${p}`),
        );
        return true;
      },
    );
    writeFileSync(
      file,
      JSON.stringify({ SLA_BATCH_COMPLETION_MS: 5000, classes: { batch: { completionMs: 9000 } } }),
    );
    assert.throws(
      () => readFleetConfigFile(file),
      new RegExp(
        'SLA_BATCH_COMPLETION_MS is set twice: as SLA_BATCH_COMPLETION_MS and as classes.batch.completionMs',
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
