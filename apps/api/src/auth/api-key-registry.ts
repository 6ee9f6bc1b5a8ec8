import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SCOPES, type Caller, type Scope } from './caller.js';

/** One configured key. */
export interface ApiKeyEntry {
  key: string;
  tenant: string;
  scopes: Scope[];
}

/** A key or keys file that cannot be used: the message names the setting and what it accepts. */
export class InvalidApiKeysError extends Error {}

const TENANT = /^[A-Za-z0-9_.-]{1,64}$/;
const MIN_KEY_LENGTH = 16;

/**
 * The api keys, from `API_KEYS` (`<key>@<tenant>:<scope>+<scope>;…`) and `API_KEYS_FILE` (a
 * JSON array of `{key, tenant, scopes}`). Keys are kept as SHA-256 digests and compared in
 * constant time. With no key configured the registry is empty and the api is open.
 */
export class ApiKeyRegistry {
  private readonly byDigest = new Map<string, Caller>();

  constructor(entries: ApiKeyEntry[]) {
    for (const entry of entries) {
      const keyDigest = digest(entry.key);
      this.byDigest.set(keyDigest, {
        tenant: entry.tenant,
        scopes: new Set(entry.scopes),
        open: false,
        keyId: keyDigest.slice(0, 12),
      });
    }
  }

  /** Reads and checks both settings; throws InvalidApiKeysError naming the bad entry. */
  static fromSettings(apiKeys: string, apiKeysFile: string): ApiKeyRegistry {
    const entries = [...parseApiKeys(apiKeys), ...readKeysFile(apiKeysFile)];
    const seen = new Set<string>();
    for (const entry of entries) {
      if (seen.has(entry.key)) throw new InvalidApiKeysError('API_KEYS: a key is listed twice');
      seen.add(entry.key);
    }
    return new ApiKeyRegistry(entries);
  }

  /** True when no key is configured: every request is allowed, as the open tenant. */
  get open(): boolean {
    return this.byDigest.size === 0;
  }

  /** How many keys there are. */
  get size(): number {
    return this.byDigest.size;
  }

  /** The caller a presented key belongs to, or undefined for an unknown key. */
  authenticate(key: string): Caller | undefined {
    const wanted = Buffer.from(digest(key), 'hex');
    // Every digest is compared, so the time taken does not say which one was close.
    let found: Caller | undefined;
    for (const [known, caller] of this.byDigest) {
      if (timingSafeEqual(wanted, Buffer.from(known, 'hex'))) found = caller;
    }
    return found;
  }
}

/** Parses `API_KEYS`: entries `<key>@<tenant>:<scope>+<scope>` separated by `;`. */
export function parseApiKeys(setting: string): ApiKeyEntry[] {
  return setting
    .split(';')
    .map((text) => text.trim())
    .filter((text) => text !== '')
    .map((text, index) => {
      const match = /^([^@\s]+)@([^:\s]+):([a-z+]+)$/.exec(text);
      const where = `API_KEYS entry ${index + 1}`;
      if (!match) {
        throw new InvalidApiKeysError(
          `${where}: must look like <key>@<tenant>:<scope>+<scope> (scopes: ${SCOPES.join(', ')})`,
        );
      }
      return checkEntry({ key: match[1], tenant: match[2], scopes: match[3].split('+') }, where);
    });
}

function readKeysFile(path: string): ApiKeyEntry[] {
  if (path === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidApiKeysError(`API_KEYS_FILE ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new InvalidApiKeysError(
      `API_KEYS_FILE ${path}: must hold a JSON array of {"key", "tenant", "scopes": [...]}`,
    );
  }
  return parsed.map((item: unknown, index) => {
    const entry = (item ?? {}) as Partial<Record<keyof ApiKeyEntry, unknown>>;
    return checkEntry(entry, `API_KEYS_FILE ${path} item ${index}`);
  });
}

function checkEntry(
  entry: Partial<Record<keyof ApiKeyEntry, unknown>>,
  where: string,
): ApiKeyEntry {
  const { key, tenant, scopes } = entry;
  if (typeof key !== 'string' || key.length < MIN_KEY_LENGTH || /\s/.test(key)) {
    throw new InvalidApiKeysError(
      `${where}: key must be at least ${MIN_KEY_LENGTH} characters without spaces`,
    );
  }
  if (typeof tenant !== 'string' || !TENANT.test(tenant)) {
    throw new InvalidApiKeysError(`${where}: tenant must be 1 to 64 of A-Z a-z 0-9 _ . -`);
  }
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    !scopes.every((scope) => SCOPES.includes(scope as Scope))
  ) {
    throw new InvalidApiKeysError(`${where}: scopes must be some of ${SCOPES.join(', ')}`);
  }
  return { key, tenant, scopes: scopes as Scope[] };
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
