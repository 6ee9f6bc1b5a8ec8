import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApiKeyRegistry, InvalidApiKeysError, parseApiKeys } from './api-key-registry.js';

describe('ApiKeyRegistry', () => {
  it('parses API_KEYS entries into tenants and scopes', () => {
    assert.deepEqual(
      parseApiKeys(' sk-aaaaaaaaaaaaaaaa@acme:submit+read ; sk-bbbbbbbbbbbbbbbb@ops:admin;'),
      [
        { key: 'sk-aaaaaaaaaaaaaaaa', tenant: 'acme', scopes: ['submit', 'read'] },
        { key: 'sk-bbbbbbbbbbbbbbbb', tenant: 'ops', scopes: ['admin'] },
      ],
    );
    assert.deepEqual(parseApiKeys(''), []);
  });

  it('names the bad entry and what it accepts', () => {
    assert.throws(
      () => parseApiKeys('sk-aaaaaaaaaaaaaaaa@acme:read;nonsense'),
      (error: Error) =>
        error instanceof InvalidApiKeysError &&
        error.message ===
          'API_KEYS entry 2: must look like <key>@<tenant>:<scope>+<scope> (scopes: submit, read, admin)',
    );
    assert.throws(
      () => parseApiKeys('short@acme:read'),
      /API_KEYS entry 1: key must be at least 16 characters/,
    );
    assert.throws(
      () => parseApiKeys('sk-aaaaaaaaaaaaaaaa@acme:write'),
      /API_KEYS entry 1: scopes must be some of submit, read, admin/,
    );
    assert.throws(
      () =>
        ApiKeyRegistry.fromSettings('sk-aaaaaaaaaaaaaaaa@a:read;sk-aaaaaaaaaaaaaaaa@b:read', ''),
      /a key is listed twice/,
    );
  });

  it('reads a keys file, and says which item is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-keys-'));
    try {
      const file = join(dir, 'keys.json');
      writeFileSync(
        file,
        JSON.stringify([{ key: 'k'.repeat(20), tenant: 't1', scopes: ['read'] }]),
      );
      const registry = ApiKeyRegistry.fromSettings('', file);
      assert.equal(registry.size, 1);
      assert.equal(registry.authenticate('k'.repeat(20))?.tenant, 't1');
      writeFileSync(
        file,
        JSON.stringify([{ key: 'k'.repeat(20), tenant: 'bad tenant', scopes: ['read'] }]),
      );
      assert.throws(
        () => ApiKeyRegistry.fromSettings('', file),
        new RegExp(`API_KEYS_FILE ${file} item 0: tenant must be`),
      );
      writeFileSync(file, '{');
      assert.throws(() => ApiKeyRegistry.fromSettings('', file), /API_KEYS_FILE .*keys.json: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows its keys and nothing else; with none it is open', () => {
    const registry = ApiKeyRegistry.fromSettings('sk-aaaaaaaaaaaaaaaa@acme:submit+read', '');
    assert.equal(registry.open, false);
    const caller = registry.authenticate('sk-aaaaaaaaaaaaaaaa');
    assert.equal(caller?.tenant, 'acme');
    assert.deepEqual([...caller!.scopes], ['submit', 'read']);
    assert.equal(registry.authenticate('sk-aaaaaaaaaaaaaaab'), undefined);
    assert.equal(ApiKeyRegistry.fromSettings('', '').open, true);
  });
});
