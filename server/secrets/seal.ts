/**
 * Secrets at rest (issue #18): AES-256-GCM under a 256-bit key kept outside the database, in
 * DATA_DIR/secrets.key (0600). The desktop app may hand in a key of its own instead (wrapped with
 * Electron's safeStorage). The secret's name and version are the associated data, so a sealed
 * value moved to another name or version does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export type SecretsKey = Readonly<{ key: Buffer }>;

/** Reads DATA_DIR/secrets.key, or creates it (32 random bytes as hex, mode 0600). */
export function loadOrCreateSecretsKey(path: string): SecretsKey {
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(text))
      throw new Error(
        `${path} is not a secrets key (64 hex digits); restore it from a backup: without it the stored secrets cannot be read`,
      );
    chmodSync(path, 0o600);
    return { key: Buffer.from(text, 'hex') };
  }
  const key = randomBytes(32);
  writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key };
}

const aad = (name: string, version: number) => Buffer.from(`directord secret v1\0${name}\0${version}`, 'utf8');

/** `v1.IV.TAG.CIPHERTEXT` (base64url). */
export function seal(k: SecretsKey, name: string, version: number, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(aad(name, version));
  const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

/** The value, or null when the text was not sealed under this key for this name and version. */
export function unseal(k: SecretsKey, name: string, version: number, sealed: string): string | null {
  const [v, iv, tag, ct] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || ct === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(name, version));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
