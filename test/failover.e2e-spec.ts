import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FleetHarness } from './support/fleet-harness.js';
import { makeTestModels } from './support/test-models.js';

// Two schedulers (one leads, one stands by), two workers, real Redis and inference.
describe('scheduler leader failover', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      workers: 2,
      workerEnv: { WORKER_SLOTS: '1', WORKER_MAX_JOBS: '1' },
    }).start();
    fleet.spawn('scheduler');
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('a standby leads within 10 s of a SIGKILLed leader; every job completes exactly once', async () => {
    const leaderKey = `${fleet.prefix}:scheduler:leader`;
    const leader = await fleet.redis.get(leaderKey);
    assert.ok(leader, 'a leader');
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(
        await fleet.submit({
          model: i % 2 ? 'synth-tiny' : 'synth-5m',
          prompt: `job ${i}`,
          max_tokens: 300,
        }),
      );
    }
    // Jobs are running on both workers and waiting in the leader's window when it dies.
    await fleet.waitFor(
      'two jobs to run',
      async () => {
        const views = await Promise.all(ids.map((id) => fleet.job(id)));
        return views.filter((v) => v.state === 'running').length >= 2;
      },
      30_000,
    );
    const leaderProcess = fleet.processes.find(
      (p) => p.role === 'scheduler' && leader.endsWith(`-${p.child.pid}`),
    );
    assert.ok(leaderProcess, `the leader ${leader} is one of ours`);
    const killedAt = Date.now();
    leaderProcess.child.kill('SIGKILL');

    await fleet.waitFor(
      'another scheduler to lead',
      async () => {
        const current = await fleet.redis.get(leaderKey);
        return current !== null && current !== leader;
      },
      10_000,
    );
    assert.ok(Date.now() - killedAt < 10_000);

    const views = await Promise.all(ids.map((id) => fleet.waitForFinished(id, 120_000)));
    for (const view of views) {
      assert.equal(view.state, 'completed', JSON.stringify(view));
      assert.equal(view.usage?.completion_tokens, 300);
    }
    // Workers report every job that leaves them; each job was completed once.
    const events = await fleet.redis.xrange(`${fleet.prefix}:events`, '-', '+');
    const completions = new Map<string, number>();
    for (const [, fields] of events) {
      const event = JSON.parse(fields[1]) as { type: string; jobId?: string; outcome?: string };
      if (event.type === 'job-finished' && event.outcome === 'completed') {
        completions.set(event.jobId!, (completions.get(event.jobId!) ?? 0) + 1);
      }
    }
    for (const id of ids)
      assert.equal(completions.get(id), 1, `job ${id} completed ${completions.get(id)} times`);
  });
});
