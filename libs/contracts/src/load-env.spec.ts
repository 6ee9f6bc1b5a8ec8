import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IsInt, Min } from 'class-validator';
import { CommonEnv } from './common-env.js';
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
