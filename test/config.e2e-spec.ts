import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { MODEL_PRESETS, writeSyntheticModel } from '#switchyard/gguf';
import { FleetHarness } from './support/fleet-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));

/** Starts a process of `role` with `env` and returns how it ended (it is expected to stop). */
function start(role: string, env: Record<string, string>) {
  const script = fileURLToPath(new URL(`../apps/${role}/src/main.js`, import.meta.url));
  return spawnSync(process.execPath, [script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

// A bad setting stops each process at start-up with a message that names it.
describe('configuration checked at start-up', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a bad value in the config file stops the scheduler, naming the setting and the file', () => {
    const file = join(dir, 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({ SLA_INTERACTIVE_TTFT_MS: -5, SCHEDULER_POLICY: 'random' }),
    );
    const run = start('scheduler', { SWITCHYARD_CONFIG: file });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`SLA_INTERACTIVE_TTFT_MS .*\\(set in ${file}\\)`));
    assert.match(run.stderr, /SCHEDULER_POLICY must be one of sensitivity, lru, fifo/);
  });

  test('a bad environment variable stops the api and the worker the same way', () => {
    const api = start('api', { PORT: 'eighty' });
    assert.equal(api.status, 1, api.stderr);
    assert.match(api.stderr, /PORT must be an integer number/);
    const worker = start('worker', { WORKER_KV_STATE_MAX_BYTES: 'lots' });
    assert.equal(worker.status, 1, worker.stderr);
    assert.match(worker.stderr, /WORKER_KV_STATE_MAX_BYTES must be a size such as 2GiB/);
  });

  test('a config document with classes and models runs a fleet that serves the listed model', async () => {
    const empty = mkdtempSync(join(dir, 'no-models-'));
    await writeSyntheticModel(join(dir, 'listed', 'm.gguf'), MODEL_PRESETS['synth-5m']);
    const file = join(dir, 'document.json');
    writeFileSync(
      file,
      JSON.stringify({
        SCHEDULER_POLICY: 'sensitivity',
        classes: { interactive: { timeToFirstTokenMs: 3000 }, batch: { floorShare: 0.25 } },
        models: [{ name: 'from-config', path: 'listed/m.gguf' }],
      }),
    );
    const fleet = await new FleetHarness({
      modelsDir: empty,
      env: { SWITCHYARD_CONFIG: file },
    }).start();
    try {
      const models = await fleet.request('GET', '/v1/models');
      const names = (models.body.data as { id: string }[]).map((m) => m.id);
      assert.deepEqual(names, ['from-config']);
      const id = await fleet.submit({ model: 'from-config', prompt: 'configured', max_tokens: 8 });
      const done = await fleet.waitForFinished(id, 60_000);
      assert.equal(done.state, 'completed', JSON.stringify(done));
      assert.equal(done.usage?.completion_tokens, 8);
    } finally {
      await fleet.stop();
    }
  });

  test('a bad value in a section of the config document is named by its place', () => {
    const file = join(dir, 'bad-document.json');
    writeFileSync(
      file,
      JSON.stringify({ classes: { interactive: { timeToFirstTokenMs: 'fast' } } }),
    );
    const run = start('scheduler', { SWITCHYARD_CONFIG: file });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /classes\.interactive\.timeToFirstTokenMs must be an integer number/);
  });
});
