/**
 * The secrets key's providers (issue #18) on real files and a real server: the plain file, and a
 * wrapped key (an AES-256-GCM wrapper under a "keychain" key held by the test stands for the OS
 * keychain) created fresh, migrated from a plain key of an earlier version (plain file removed,
 * stored secrets still open), finished after a migration that stopped half way, and refused,
 * with no new key made, when it does not unwrap.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Result } from '../../protocol/result.js';
import { startTestServer } from '../testing/harness.js';
import { fileKeyProvider, PLAIN_KEY_FILE, WRAPPED_KEY_FILE, wrappedKeyProvider, type KeyWrapper } from './key-provider.js';
import { unseal } from './seal.js';

/** A real wrapper: AES-256-GCM under a key only this "keychain" holds. */
function keychain(options: Readonly<{ available?: boolean; stale?: boolean }> = {}): KeyWrapper & { key: Buffer; wraps: number } {
  const key = randomBytes(32);
  const self = {
    key,
    wraps: 0,
    name: 'the test keychain',
    available: () => Promise.resolve(options.available ?? true),
    wrap: (plain: string) => {
      self.wraps++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', self.key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Promise.resolve(Buffer.concat([iv, c.getAuthTag(), ct]));
    },
    unwrap: (wrapped: Buffer) => {
      const d = createDecipheriv('aes-256-gcm', self.key, wrapped.subarray(0, 12));
      d.setAuthTag(wrapped.subarray(12, 28));
      // Throws "Unsupported state or unable to authenticate data" under another key, as a keychain refuses.
      const plain = Buffer.concat([d.update(wrapped.subarray(28)), d.final()]).toString('utf8');
      return Promise.resolve({ plain, stale: options.stale ?? false });
    },
  };
  return self;
}

const dirs: string[] = [];
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'directord-key-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('secrets key providers', () => {
  test('the plain file: made once (0600), the same key after', async () => {
    const d = dataDir();
    const a = await fileKeyProvider(d);
    assert.equal(mode(join(d, PLAIN_KEY_FILE)), 0o600);
    assert.deepEqual((await fileKeyProvider(d)).key, a.key);
  });

  test('wrapped, fresh: only secrets.key.safe (0600), no plain copy; the same key at the next start', async () => {
    const d = dataDir();
    const kc = keychain();
    const a = await wrappedKeyProvider(kc)(d);
    assert.ok(existsSync(join(d, WRAPPED_KEY_FILE)));
    assert.equal(existsSync(join(d, PLAIN_KEY_FILE)), false);
    assert.equal(mode(join(d, WRAPPED_KEY_FILE)), 0o600);
    assert.ok(
      !readFileSync(join(d, WRAPPED_KEY_FILE)).includes(Buffer.from(a.key.toString('hex'))),
      'the file does not hold the key in the clear',
    );
    assert.deepEqual((await wrappedKeyProvider(kc)(d)).key, a.key);
  });

  test('a plain key of an earlier version is wrapped and the plain file removed; the secrets stored under it still open', async () => {
    const d = dataDir();
    const t = await startTestServer({}, d);
    const set = await fetch(`${t.server.url}/api/ui/secrets:set`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.cliToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'DEPLOY_KEY', value: 'value-before-the-move-7c1e' }),
    });
    assert.ok(((await set.json()) as Result<unknown>).ok);
    await t.server.close();
    const before = readFileSync(join(d, PLAIN_KEY_FILE), 'utf8').trim();
    const kc = keychain();
    // The real server starts with the wrapping provider: it migrates the key before anything else.
    const again = await startTestServer({ secretsKeyProvider: wrappedKeyProvider(kc) }, d);
    try {
      assert.equal(existsSync(join(d, PLAIN_KEY_FILE)), false, 'the plain file is gone');
      assert.ok(existsSync(join(d, WRAPPED_KEY_FILE)));
      const key = await wrappedKeyProvider(kc)(d);
      assert.equal(key.key.toString('hex'), before, 'the same key, wrapped');
      const db = new Database(join(d, 'directord.db'), { readonly: true });
      try {
        const row = db.prepare('SELECT version, sealed FROM secrets WHERE name = ?').get('DEPLOY_KEY') as {
          version: number;
          sealed: string;
        };
        assert.equal(unseal(key, 'DEPLOY_KEY', row.version, row.sealed), 'value-before-the-move-7c1e');
      } finally {
        db.close();
      }
    } finally {
      await again.stop();
    }
  });

  test('a key that does not unwrap refuses to start secrets (and the server), and no new key is made', async () => {
    const d = dataDir();
    await wrappedKeyProvider(keychain())(d);
    const wrapped = readFileSync(join(d, WRAPPED_KEY_FILE));
    const other = keychain(); // another user's keychain, a reset one, another machine
    await assert.rejects(wrappedKeyProvider(other)(d), (e: Error) => {
      assert.match(
        e.message,
        /secrets\.key\.safe cannot be unwrapped with the test keychain \(Unsupported state or unable to authenticate data\)/,
      );
      assert.match(e.message, /no new key was made/);
      return true;
    });
    await assert.rejects(
      startTestServer({ secretsKeyProvider: wrappedKeyProvider(other) }, d),
      /cannot be unwrapped with the test keychain/,
    );
    assert.deepEqual(readFileSync(join(d, WRAPPED_KEY_FILE)), wrapped, 'the wrapped key is left as it was');
    assert.equal(existsSync(join(d, PLAIN_KEY_FILE)), false, 'no plain key was made');
    assert.equal(other.wraps, 0, 'nothing was wrapped');
    assert.equal(existsSync(join(d, 'directord.db')), false, 'the server stopped before opening the database');
    // Unavailable keychain with a wrapped key: refused too, never a fresh plain key.
    await assert.rejects(wrappedKeyProvider(keychain({ available: false }))(d), /cannot be unwrapped/);
    assert.equal(existsSync(join(d, PLAIN_KEY_FILE)), false);
  });

  test('a migration that stopped half way is finished; two different keys are refused', async () => {
    const d = dataDir();
    const kc = keychain();
    const key = await wrappedKeyProvider(kc)(d);
    writeFileSync(join(d, PLAIN_KEY_FILE), key.key.toString('hex') + '\n', { mode: 0o600 });
    assert.deepEqual((await wrappedKeyProvider(kc)(d)).key, key.key);
    assert.equal(existsSync(join(d, PLAIN_KEY_FILE)), false, 'the leftover plain copy is removed');
    writeFileSync(join(d, PLAIN_KEY_FILE), randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    await assert.rejects(wrappedKeyProvider(kc)(d), /hold different keys/);
    assert.ok(existsSync(join(d, PLAIN_KEY_FILE)), 'neither is removed');
  });

  test('no keychain here: the plain file is kept and used; a stale wrap is wrapped again', async () => {
    const d = dataDir();
    const plain = await wrappedKeyProvider(keychain({ available: false }))(d);
    assert.ok(existsSync(join(d, PLAIN_KEY_FILE)));
    assert.equal(existsSync(join(d, WRAPPED_KEY_FILE)), false);
    assert.deepEqual((await fileKeyProvider(d)).key, plain.key);
    const e = dataDir();
    const kc = keychain({ stale: true });
    const k = await wrappedKeyProvider(kc)(e);
    const first = readFileSync(join(e, WRAPPED_KEY_FILE));
    assert.deepEqual((await wrappedKeyProvider(kc)(e)).key, k.key);
    assert.notDeepEqual(readFileSync(join(e, WRAPPED_KEY_FILE)), first, 'rewritten');
  });
});
