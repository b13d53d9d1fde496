/**
 * The desktop app's wrapped secrets key (issue #18) without the Electron binary: electron/
 * secrets-key.ts is handed a fake `safeStorage` (the same four methods, encrypting with a key of
 * its own), so what Electron's part does — adapting safeStorage to the server's KeyWrapper, the
 * migration of a plain key, refusing a key that does not decrypt — runs here for real on files.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger } from '../../protocol/log.js';
import { desktopKeyProvider, safeStorageWrapper, type SafeStorageLike } from '../../electron/secrets-key.js';

type Fake = SafeStorageLike & { calls: string[]; key: Buffer };

function fakeSafeStorage(
  options: Readonly<{
    available?: boolean;
    backend?: ReturnType<NonNullable<SafeStorageLike['getSelectedStorageBackend']>>;
    reEncrypt?: boolean;
  }> = {},
): Fake {
  const fake: Fake = {
    calls: [],
    key: randomBytes(32),
    isAsyncEncryptionAvailable: () => {
      fake.calls.push('available');
      return Promise.resolve(options.available ?? true);
    },
    encryptStringAsync: (plain: string) => {
      fake.calls.push('encrypt');
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', fake.key, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Promise.resolve(Buffer.concat([Buffer.from('v10'), iv, c.getAuthTag(), ct]));
    },
    decryptStringAsync: (encrypted: Buffer) => {
      fake.calls.push('decrypt');
      try {
        if (encrypted.subarray(0, 3).toString() !== 'v10')
          throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
        const d = createDecipheriv('aes-256-gcm', fake.key, encrypted.subarray(3, 15));
        d.setAuthTag(encrypted.subarray(15, 31));
        const result = Buffer.concat([d.update(encrypted.subarray(31)), d.final()]).toString('utf8');
        return Promise.resolve({ result, shouldReEncrypt: options.reEncrypt ?? false });
      } catch {
        return Promise.reject(new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.'));
      }
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
  };
  return fake;
}

describe('the desktop secrets key in safeStorage', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'directord-safe-key-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('the wrapper is safeStorage: encrypt, decrypt (with its re-encrypt hint), availability; its name says the backend on Linux', async () => {
    const fake = fakeSafeStorage({ reEncrypt: true });
    const w = safeStorageWrapper(fake, 'linux');
    assert.equal(w.name, 'the OS keychain (Electron safeStorage, gnome_libsecret)');
    assert.equal(safeStorageWrapper(fake, 'darwin').name, 'the OS keychain (Electron safeStorage)');
    assert.equal(await w.available(), true);
    const wrapped = await w.wrap('ab'.repeat(32));
    assert.deepEqual(await w.unwrap(wrapped), { plain: 'ab'.repeat(32), stale: true });
    assert.deepEqual(fake.calls, ['available', 'encrypt', 'decrypt']);
  });

  test('the basic_text store (no keyring) is used but warned about', async () => {
    const lines: string[] = [];
    const w = safeStorageWrapper(
      fakeSafeStorage({ backend: 'basic_text' }),
      'linux',
      createLogger('t', (l) => lines.push(l)),
    );
    assert.equal(await w.available(), true);
    assert.ok(
      lines.some((l) => l.includes('basic_text')),
      lines.join(''),
    );
  });

  test('a plain secrets.key of an earlier version is moved into safeStorage; later starts decrypt it', async () => {
    const d = dataDir();
    const plain = randomBytes(32).toString('hex');
    writeFileSync(join(d, 'secrets.key'), plain + '\n', { mode: 0o600 });
    const fake = fakeSafeStorage();
    const key = await desktopKeyProvider(fake)(d);
    assert.equal(key.key.toString('hex'), plain);
    assert.equal(existsSync(join(d, 'secrets.key')), false, 'the plain file is removed');
    assert.ok(!readFileSync(join(d, 'secrets.key.safe')).includes(Buffer.from(plain)), 'the key is not in the clear');
    assert.equal((await desktopKeyProvider(fake)(d)).key.toString('hex'), plain);
  });

  test('safeStorage that cannot decrypt it (a reset keychain): a clear error, the wrapped file kept, no new key', async () => {
    const d = dataDir();
    await desktopKeyProvider(fakeSafeStorage())(d);
    const before = readFileSync(join(d, 'secrets.key.safe'));
    const reset = fakeSafeStorage();
    await assert.rejects(
      desktopKeyProvider(reset)(d),
      /secrets\.key\.safe cannot be unwrapped with the OS keychain \(Electron safeStorage[^)]*\) \(Error while decrypting[^)]*\)\. Secrets are not started and no new key was made/,
    );
    assert.deepEqual(readFileSync(join(d, 'secrets.key.safe')), before);
    assert.equal(existsSync(join(d, 'secrets.key')), false);
    assert.equal(reset.calls.includes('encrypt'), false, 'nothing was encrypted anew');
  });

  test('main.cjs hands the server this provider', () => {
    const main = join(new URL('../../', import.meta.url).pathname, 'dist/electron/main.cjs');
    if (!existsSync(main)) return assert.fail('dist/electron/main.cjs is missing: run node scripts/build.mjs');
    const text = readFileSync(main, 'utf8');
    assert.match(text, /secretsKeyProvider: desktopKeyProvider\(/);
    assert.match(text, /secrets\.key\.safe/);
  });
});
