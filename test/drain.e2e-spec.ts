import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

describe('draining a worker', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      workers: 2,
      workerEnv: { WORKER_SLOTS: '1', WORKER_MAX_JOBS: '1', WORKER_DRAIN_TIMEOUT_MS: '500' },
    }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('its long job completes elsewhere from a checkpoint, nothing new lands there, it leaves', async () => {
    const long = await fleet.submit({ model: 'synth-5m', prompt: 'a long one', max_tokens: 2000 });
    const running = await fleet.waitForJob(
      long,
      (j) => (j.usage?.completion_tokens ?? 0) > 20,
      'to decode',
    );
    const drained = running.worker!;
    const process = fleet.processes.find((p) => drained.includes(`-${p.child.pid}-`))!;
    const exited = new Promise<number | null>((resolve) => process.child.once('exit', resolve));

    const answer = await fleet.request('POST', `/v1/workers/${drained}/drain`);
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const later = await fleet.submit({
      model: 'synth-5m',
      prompt: 'after the drain',
      max_tokens: 8,
    });

    const [longView, laterView] = await Promise.all([
      fleet.waitForFinished(long),
      fleet.waitForFinished(later),
    ]);
    assert.equal(longView.state, 'completed');
    assert.equal(longView.usage?.completion_tokens, 2000);
    assert.notEqual(
      longView.worker,
      drained,
      'handed back after the drain timeout and resumed elsewhere',
    );
    assert.ok((longView.resumedFromToken ?? 0) > 0, 'resumed from its checkpoint');
    assert.notEqual(laterView.worker, drained, 'nothing new placed on a draining worker');

    assert.equal(await exited, 0, 'the drained worker exits cleanly');
    const workers = await fleet.request<{ workers: { id: string }[] }>('GET', '/v1/workers');
    assert.ok(!workers.body.workers.some((w) => w.id === drained), 'deregistered');

    const unknown = await fleet.request('POST', '/v1/workers/nope/drain');
    assert.equal(unknown.status, 404);
  });
});
