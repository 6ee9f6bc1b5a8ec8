import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { startApiTestContext, type ApiTestContext } from '../testing/api-test-context.js';

describe('FilesController', () => {
  let ctx: ApiTestContext;
  const http = () => request(ctx.app.getHttpServer());
  const jsonl = (lines: number) =>
    Buffer.from(Array.from({ length: lines }, (_, i) => `{"n":${i}}`).join('\n') + '\n');

  before(async () => {
    ctx = await startApiTestContext(['tiny'], { BATCH_MAX_LINES: '5', FILES_MAX_BYTES: '4096' });
  });

  after(async () => {
    await ctx.close();
  });

  /** Nothing is left half-written in the temporary folder. */
  function assertNoLeftovers(): void {
    assert.deepEqual(readdirSync(join(ctx.filesDir, 'tmp')), []);
  }

  it('stores an upload, lists it, serves its content and deletes it', async () => {
    const upload = await http()
      .post('/v1/files')
      .field('purpose', 'batch')
      .attach('file', jsonl(3), 'input.jsonl')
      .expect(200);
    const file = upload.body;
    assert.match(file.id, /^file-[0-9a-f]{24}$/);
    assert.deepEqual(
      { ...file, id: undefined, created_at: undefined },
      {
        object: 'file',
        bytes: jsonl(3).length,
        filename: 'input.jsonl',
        purpose: 'batch',
        status: 'processed',
        status_details: null,
        expires_at: null,
        id: undefined,
        created_at: undefined,
      },
    );
    assert.deepEqual((await http().get(`/v1/files/${file.id}`).expect(200)).body, file);
    const list = (await http().get('/v1/files').expect(200)).body;
    assert.equal(list.object, 'list');
    assert.deepEqual(list.data, [file]);
    assert.equal(list.has_more, false);
    const content = await http().get(`/v1/files/${file.id}/content`).buffer(true).expect(200);
    assert.equal(content.body.toString(), jsonl(3).toString());
    assert.deepEqual((await http().delete(`/v1/files/${file.id}`).expect(200)).body, {
      id: file.id,
      object: 'file',
      deleted: true,
    });
    const gone = await http().get(`/v1/files/${file.id}/content`).expect(404);
    assert.equal(gone.body.error.type, 'invalid_request_error');
    assertNoLeftovers();
  });

  it('refuses a file with more lines than BATCH_MAX_LINES (400) and keeps nothing', async () => {
    const response = await http()
      .post('/v1/files')
      .field('purpose', 'batch')
      .attach('file', jsonl(6), 'big.jsonl')
      .expect(400);
    assert.equal(response.body.error.code, 'too_many_lines');
    assert.equal(response.body.error.param, 'file');
    assertNoLeftovers();
  });

  it('refuses a file over FILES_MAX_BYTES (413) and keeps nothing', async () => {
    const response = await http()
      .post('/v1/files')
      .field('purpose', 'batch')
      .attach('file', Buffer.alloc(10_000, 'x'), 'huge.jsonl')
      .ok(() => true);
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'file_too_large');
    assertNoLeftovers();
  });

  it('refuses a wrong purpose, a missing file, an empty file and a body that is not multipart', async () => {
    const purpose = await http()
      .post('/v1/files')
      .field('purpose', 'fine-tune')
      .attach('file', jsonl(1), 'a.jsonl')
      .expect(400);
    assert.equal(purpose.body.error.param, 'purpose');
    const missing = await http().post('/v1/files').field('purpose', 'batch').expect(400);
    assert.equal(missing.body.error.param, 'file');
    const empty = await http()
      .post('/v1/files')
      .field('purpose', 'batch')
      .attach('file', Buffer.from('\n\n'), 'e.jsonl')
      .expect(400);
    assert.equal(empty.body.error.code, 'empty_file');
    const json = await http().post('/v1/files').send({ purpose: 'batch' }).expect(400);
    assert.match(json.body.error.message, /multipart\/form-data/);
    assertNoLeftovers();
    assert.deepEqual((await http().get('/v1/files').expect(200)).body.data, []);
  });
});
