import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobData } from '#switchyard/contracts';
import type { GenerateResult } from '#switchyard/engine';
import { KvResume } from './kv-resume.js';
import { KvStateStore } from './kv-state-store.js';

// A job preempted once on w1 after 3 tokens, its KV state (prompt 5 + 2 tokens) kept there.
function preemptedJob(path: string, workerId = 'w1'): JobData {
  return {
    model: 'm',
    prompt: 'p',
    maxTokens: 10,
    temperature: 0,
    priority: 'batch',
    submittedAt: 0,
    checkpoint: {
      tokens: [1, 2, 3],
      text: 'abc',
      workerId,
      savedAt: 10,
      kvState: { workerId, model: 'm', path, bytes: 700, tokens: 7, savedAt: 10 },
    },
    preemptionLog: [{ at: 5, workerId, reason: 'r', generatedTokens: 3, stopMs: 1 }],
  };
}

function result(overrides: Partial<GenerateResult> = {}): GenerateResult {
  return {
    text: 'abcdef',
    tokens: [1, 2, 3, 4, 5, 6],
    promptTokens: 5,
    completionTokens: 6,
    finishReason: 'length',
    timings: {
      prefillMs: 12.34,
      firstTokenMs: 13,
      decodeMs: 5,
      decodeTokensPerSecond: 400,
      prefillTokensPerSecond: 0,
    },
    ...overrides,
  };
}

describe('KvResume', () => {
  let root: string;
  let store: KvStateStore;
  let path: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'sy-kv-resume-'));
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const keep = async () => {
    store = new KvStateStore(join(root, `w${Math.random().toString(36).slice(2)}`), 1000);
    await store.open();
    path = store.pathFor('j1');
    await writeFile(path, Buffer.alloc(700));
    await store.add({
      jobId: 'j1',
      model: 'm',
      bytes: 700,
      tokens: 7,
      savedAt: 10,
      path,
      modelLoadedAt: 1,
    });
  };

  it('restores a state it holds and records the restore', async () => {
    await keep();
    const kv = new KvResume(store, 'w1', 'j1', 'm');
    const data = preemptedJob(path);
    await kv.claim(data, 1);
    assert.equal(kv.restorePath, path);
    const restoredState = { tokens: 7, fileTokens: 7, ms: 1.26 };
    const [record] = kv.resumeLog(data, result({ restoredState }));
    assert.deepEqual(record, {
      ...data.preemptionLog![0],
      resumedBy: 'kv-restore',
      resumeMs: 12.3,
      resumedOn: 'w1',
      kvRestoreMs: 1.3,
      kvRestoreBytes: 700,
      kvRestoredTokens: 7,
      recomputedTokens: 1,
    });
    await kv.release();
    assert.equal(existsSync(path), false, 'the used file is deleted');
  });

  it('recomputes, and says why, when the state is elsewhere, dropped or unreadable', async () => {
    await keep();
    const elsewhere = new KvResume(store, 'w2', 'j1', 'm');
    await elsewhere.claim(preemptedJob(path), 1);
    assert.equal(elsewhere.restorePath, undefined);
    const [far] = elsewhere.resumeLog(preemptedJob(path), result());
    assert.equal(far.resumedBy, 'recompute');
    assert.equal(far.recomputedTokens, 8);
    assert.equal(far.resumeNote, 'its KV state is on worker w1');

    const reloaded = new KvResume(store, 'w1', 'j1', 'm');
    await reloaded.claim(preemptedJob(path), 2);
    assert.equal(reloaded.restorePath, undefined);
    assert.match(reloaded.resumeLog(preemptedJob(path), result())[0].resumeNote!, /no longer/);

    await keep();
    const unreadable = new KvResume(store, 'w1', 'j1', 'm');
    await unreadable.claim(preemptedJob(path), 1);
    const restoredState = { tokens: 0, fileTokens: 0, ms: 1, error: 'bad file' };
    const [bad] = unreadable.resumeLog(preemptedJob(path), result({ restoredState }));
    assert.equal(bad.resumedBy, 'recompute');
    assert.equal(bad.resumeNote, 'its KV state could not be read (bad file)');
  });

  it('keeps a saved state within the bound, and refuses (deleting it) one beyond', async () => {
    await keep();
    const kv = new KvResume(store, 'w1', 'j2', 'm');
    const big = store.pathFor('j2');
    await writeFile(big, 'x');
    const refused = kv.keep({ path: big, tokens: 9, bytes: 2000, ms: 3 }, 1);
    assert.equal(refused.entry, undefined);
    assert.equal(refused.record.kvSaveError, 'larger than the KV state disk bound');
    const kept = kv.keep({ path: big, tokens: 9, bytes: 500, ms: 3.21 }, 1);
    assert.deepEqual(kept.record, { kvSaveMs: 3.2, kvSavedBytes: 500, kvSavedTokens: 9 });
    assert.equal(kept.ref?.workerId, 'w1');
    await kv.commit(kept);
    // 700 + 500 is over the bound of 1000: the older state goes.
    assert.deepEqual(
      store.held().map((s) => s.jobId),
      ['j2'],
    );
  });

  it('saves only when the run was stopped and the runner wants it', async () => {
    await keep();
    const kv = new KvResume(store, 'w1', 'j1', 'm');
    let preempted = false;
    const target = kv.saveTarget(() => preempted) as (reason: string) => string | undefined;
    assert.equal(target('cancelled'), undefined);
    preempted = true;
    assert.equal(target('length'), undefined);
    assert.match(target('cancelled')!, /j1-\d+\.kv$/);
    const off = new KvResume(new KvStateStore(join(root, 'off'), 0), 'w1', 'j1', 'm');
    assert.equal(
      off.saveTarget(() => true),
      undefined,
    );
  });
});
