import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { KvStateStore, type KvStateEntry } from './kv-state-store.js';

describe('KvStateStore', () => {
  let root: string;
  let store: KvStateStore;

  // Writes a file of `bytes` for a job and lists it.
  const save = async (jobId: string, bytes: number, model = 'm', loadedAt = 1) => {
    const path = store.pathFor(jobId);
    await writeFile(path, Buffer.alloc(bytes));
    const entry: KvStateEntry = {
      jobId,
      model,
      bytes,
      tokens: bytes / 10,
      savedAt: 0,
      path,
      modelLoadedAt: loadedAt,
    };
    return { path, evicted: await store.add(entry) };
  };

  beforeEach(async () => {
    root ??= await mkdtemp(join(tmpdir(), 'sy-kv-store-'));
    store = new KvStateStore(join(root, `w${Math.random().toString(36).slice(2)}`), 1000);
    await store.open();
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('evicts the oldest files beyond the bound, and deletes them', async () => {
    const a = await save('a', 400);
    const b = await save('b', 400);
    assert.deepEqual(a.evicted, []);
    assert.deepEqual(b.evicted, []);
    const c = await save('c', 300);
    assert.deepEqual(c.evicted, ['a']);
    assert.equal(existsSync(a.path), false);
    assert.equal(existsSync(b.path), true);
    assert.deepEqual(
      store.held().map((s) => s.jobId),
      ['b', 'c'],
    );
    assert.equal(store.usedBytes, 700);
    assert.equal(store.fits(1000), true);
    assert.equal(store.fits(1001), false);
  });

  it('replaces the previous file of the same job', async () => {
    const first = await save('a', 100);
    const second = await save('a', 200);
    assert.notEqual(first.path, second.path);
    assert.equal(existsSync(first.path), false);
    assert.deepEqual(
      store.held().map((s) => [s.jobId, s.bytes]),
      [['a', 200]],
    );
  });

  it('hands a state only to a run on the same model instance, and only once', async () => {
    const { path } = await save('a', 100, 'm', 5);
    await save('b', 100, 'm', 5);
    assert.equal((await store.claim('a', 'm', 5))?.path, path);
    assert.equal(await store.claim('a', 'm', 5), undefined);
    // A reloaded model (another loadedAt) must not read it: the file is deleted instead.
    const stale = store.get('b')!.path;
    assert.equal(await store.claim('b', 'm', 6), undefined);
    assert.equal(existsSync(stale), false);
    assert.deepEqual(store.held(), []);
  });

  it('drops a model’s states, and everything on close', async () => {
    const a = await save('a', 100, 'm');
    const b = await save('b', 100, 'other');
    await store.dropModel('m');
    assert.equal(existsSync(a.path), false);
    assert.deepEqual(
      store.held().map((s) => s.jobId),
      ['b'],
    );
    await store.close();
    assert.equal(existsSync(b.path), false);
    assert.equal(existsSync(store.dir), false);
  });

  it('is off with a bound of 0', async () => {
    const off = new KvStateStore(join(root, 'off'), 0);
    await off.open();
    assert.equal(off.enabled, false);
    assert.equal(off.fits(1), false);
    assert.equal(existsSync(off.dir), false);
  });
});
