import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  RedisKeys,
  type JobData,
  type JobProgress,
  type WorkerCommand,
} from '#switchyard/contracts';
import { openJobsQueue } from '#switchyard/fleet';
import { CuttableProxy } from './support/cuttable-proxy.js';
import { FleetHarness, REDIS_URL } from './support/fleet-harness.js';
import { PrivateRedis } from './support/private-redis.js';
import { makeTestModels } from './support/test-models.js';

// Faults done for real: Redis restarted under a running fleet, a worker cut off from Redis, an
// api SIGKILLed while it enqueues, a run command delivered twice. `npm run test:faults` runs
// these with the worker and leader kills of jobs.e2e-spec and failover.e2e-spec.

/**
 * Every job the fleet's queue holds, whatever its state. BullMQ's getJobCounts reads every state
 * in one script, so a job the scheduler moves meanwhile (prioritized → active as it fills its
 * window, back when it hands jobs back) is counted once: six separate reads could count it twice
 * or miss it.
 */
async function jobCount(fleet: FleetHarness): Promise<number> {
  const queue = openJobsQueue(fleet.redis, fleet.prefix);
  try {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  } finally {
    await queue.close();
  }
}

describe('Redis restarts under a running fleet', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let redis: PrivateRedis;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    redis = await new PrivateRedis().start();
    fleet = await new FleetHarness({ modelsDir: models.dir, redisUrl: redis.url }).start();
  });

  after(async () => {
    await fleet?.stop();
    await redis?.remove();
    models?.remove();
  });

  test('accepted jobs survive it, every process reconnects by itself, nothing runs twice', async () => {
    const body = (i: number) => ({ model: 'synth-5m', prompt: `job ${i}`, max_tokens: 600 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await fleet.submit(body(i)));
    await fleet.waitForJob(ids[0], (j) => j.state === 'running', 'to run', 30_000);

    await redis.stop();
    await sleep(1500);
    await redis.start();

    for (const id of ids) {
      const job = await fleet.waitForFinished(id, 120_000);
      assert.equal(job.state, 'completed', JSON.stringify(job));
      assert.equal(job.usage?.completion_tokens, 600);
    }
    // The api, scheduler and worker carry on: a job submitted now runs too.
    const later = await fleet.submit(body(9));
    assert.equal((await fleet.waitForFinished(later, 60_000)).state, 'completed');
    assert.equal(await fleet.redis.zcard(`${fleet.prefix}:jobs:completed`), 5);
  });
});

describe('a worker cut off from Redis for longer than its heartbeat', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let proxy: CuttableProxy;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    proxy = await new CuttableProxy(Number(new URL(REDIS_URL).port || 6379)).open();
    // The first worker reaches Redis only through the proxy.
    fleet = await new FleetHarness({
      modelsDir: models.dir,
      workerEnv: { REDIS_URL: proxy.url },
    }).start();
  });

  after(async () => {
    await fleet?.stop();
    await proxy?.cut();
    models?.remove();
  });

  test('its job completes elsewhere, once; its late result is refused when it comes back', async () => {
    const id = await fleet.submit({ model: 'synth-5m', prompt: 'partitioned', max_tokens: 2000 });
    const running = await fleet.waitForJob(id, (j) => j.state === 'running', 'to run', 30_000);
    const cutOff = running.worker!;

    await proxy.cut();
    // Another worker, reaching Redis directly, takes the job once its lock has lapsed.
    fleet.spawn('worker', { REDIS_URL: fleet.redisUrl });
    const done = await fleet.waitForFinished(id, 120_000);
    assert.equal(done.state, 'completed', JSON.stringify(done));
    assert.notEqual(done.worker, cutOff);
    assert.equal(done.usage?.completion_tokens, 2000);

    await proxy.open();
    // Back in touch, the first worker finds its lock gone and drops its copy of the work.
    const firstLog = fleet.processes.find((p) => p.role === 'worker')!.log;
    await fleet.waitFor(
      'the cut-off worker to drop its job',
      async () => /lock (is no longer ours|lost)|Missing lock/.test(readFileSync(firstLog, 'utf8')),
      60_000,
    );
    const after = await fleet.job(id);
    assert.equal(after.worker, done.worker);
    assert.equal(after.output, done.output);
    assert.equal(await fleet.redis.zcard(`${fleet.prefix}:jobs:completed`), 1);
    // Nor did the writes it queued while cut off land late: checkpoint, progress, streamed tokens.
    const [data, progress] = await fleet.redis.hmget(
      `${fleet.prefix}:jobs:${id}`,
      'data',
      'progress',
    );
    const checkpoint = (JSON.parse(data!) as JobData).checkpoint;
    assert.notEqual(checkpoint?.workerId, cutOff, 'a stale checkpoint overwrote the newer one');
    assert.notEqual((JSON.parse(progress!) as JobProgress).workerId, cutOff);
    const events = await fleet.redis.xrange(`${fleet.prefix}:job:${id}:stream`, '-', '+');
    const types = events.map(([, fields]) => (JSON.parse(fields[1]) as { type: string }).type);
    assert.equal(
      types.at(-1),
      'end',
      `events after the end: ${types.slice(types.indexOf('end')).join(', ')}`,
    );
  });
});

describe('an api SIGKILLed while it enqueues a bulk submission', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    // No worker: the jobs stay in the queue to be counted.
    fleet = await new FleetHarness({ modelsDir: models.dir, workers: 0 }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('no half-enqueued submission is visible; a retry with the same Idempotency-Key enqueues it once', async () => {
    const jobs = Array.from({ length: 3000 }, (_, i) => ({
      model: 'synth-5m',
      prompt: `item ${i}`,
      max_tokens: 1,
      priority: 'batch',
    }));
    const send = () =>
      fetch(`${fleet.baseUrl}/v1/jobs/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'bulk-crash-1' },
        body: JSON.stringify({ jobs }),
      });
    const first = send().catch((error: unknown) => error);
    await sleep(150);
    fleet.live('api')[0].kill('SIGKILL');
    await first;
    const seen = await jobCount(fleet);
    assert.ok(seen === 0 || seen === 3000, `${seen} of 3000 jobs visible after the crash`);

    fleet.spawn('api');
    await fleet.waitFor(
      'a new api to answer',
      async () => (await fetch(`${fleet.baseUrl}/health`).catch(() => null))?.ok,
      30_000,
    );
    const retried = await send();
    assert.equal(retried.status, 202);
    const answer = (await retried.json()) as { accepted: number; items: { id?: string }[] };
    assert.equal(answer.accepted, 3000);
    assert.equal(await jobCount(fleet), 3000);
    // Once more: still the same 3000 jobs, with the same ids.
    const again = (await (await send()).json()) as { items: { id?: string }[] };
    assert.deepEqual(
      again.items.map((item) => item.id),
      answer.items.map((item) => item.id),
    );
    assert.equal(await jobCount(fleet), 3000);
  });
});

describe('a run command delivered twice (ioredis resends an unanswered XADD on reconnect)', () => {
  let models: Awaited<ReturnType<typeof makeTestModels>>;
  let fleet: FleetHarness;

  before(async () => {
    models = await makeTestModels();
    fleet = await new FleetHarness({ modelsDir: models.dir }).start();
  });

  after(async () => {
    await fleet?.stop();
    models?.remove();
  });

  test('the worker runs the job once: a copy is ignored while it runs and after it finished', async () => {
    const id = await fleet.submit({ model: 'synth-5m', prompt: 'twice', max_tokens: 2000 });
    const running = await fleet.waitForJob(id, (j) => j.state === 'running', 'to run', 30_000);
    const stream = new RedisKeys(fleet.prefix).workerCommands(running.worker!);
    const entries = await fleet.redis.xrange(stream, '-', '+');
    const run = entries.find(([, fields]) => {
      const command = JSON.parse(fields[1]) as WorkerCommand;
      return command.type === 'run' && command.jobId === id;
    });
    assert.ok(run, `no run of ${id} in ${stream}`);
    const deliverAgain = () => fleet.redis.xadd(stream, '*', ...run[1]);
    const workerLog = () =>
      readFileSync(fleet.processes.find((p) => p.role === 'worker')!.log, 'utf8');

    await deliverAgain();
    const done = await fleet.waitForFinished(id, 120_000);
    assert.equal(done.state, 'completed', JSON.stringify(done));
    assert.equal(done.usage?.completion_tokens, 2000);
    assert.equal((await fleet.jobData(id))?.runs, 1, 'the job was started twice');
    // A second runner of the same token would have run it too, then been refused at the end.
    assert.doesNotMatch(workerLog(), new RegExp(`job ${id} lost`));
    assert.match(
      workerLog(),
      new RegExp(`job ${id}: run ignored \\(delivered again while it runs`),
    );

    const hash = await fleet.redis.hgetall(`${fleet.prefix}:jobs:${id}`);
    await deliverAgain();
    await fleet.waitFor(
      'the worker to ignore the copy that came after the job finished',
      async () =>
        new RegExp(`job ${id}: run ignored \\(delivered again while it has finished`).test(
          workerLog(),
        ),
      30_000,
    );
    assert.deepEqual(await fleet.redis.hgetall(`${fleet.prefix}:jobs:${id}`), hash);
    assert.doesNotMatch(workerLog(), new RegExp(`job ${id} lost`));
    assert.equal(await fleet.redis.zcard(`${fleet.prefix}:jobs:completed`), 1);
  });
});
