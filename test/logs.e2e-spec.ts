import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

/** The JSON objects of a process's log (lines that are not JSON are left out). */
function jsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// LOG_FORMAT=json on real processes: structured lines, and the api's request id in the worker's.
describe('structured logs', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({ modelsDir: models.dir, env: { LOG_FORMAT: 'json' } }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('every process logs JSON lines; the worker names the request behind a job', async () => {
    const response = await fetch(`${fleet.baseUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'e2e-request-7' },
      body: JSON.stringify({ model: 'synth-5m', prompt: 'log me', max_tokens: 4 }),
    });
    assert.equal(response.status, 202);
    const { id } = (await response.json()) as { id: string };
    assert.equal((await fleet.waitForFinished(id)).state, 'completed');

    const log = (role: string) => fleet.processes.find((p) => p.role === role)!.log;
    for (const role of ['api', 'scheduler', 'worker']) {
      const lines = jsonLines(log(role));
      assert.ok(lines.length > 0, `${role} wrote JSON lines`);
      assert.ok(
        lines.every((line) => line.role === role && typeof line.time === 'string'),
        role,
      );
    }
    await fleet.waitFor(
      'the worker to log the job with its request id',
      async () =>
        jsonLines(log('worker')).some(
          (line) => line.msg === `job ${id} completed (request e2e-request-7)` && line.level === 30,
        ),
      10_000,
    );
  });
});
