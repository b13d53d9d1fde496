/**
 * Host key checking against an OpenSSH known_hosts file: `accept-new` (OpenSSH's
 * StrictHostKeyChecking=accept-new: record a host seen for the first time, refuse a changed key)
 * or `strict` (refuse unknown hosts too). Plain and hashed (`|1|salt|hash`) host patterns are read;
 * new lines are written plain, as `host` for port 22 and `[host]:port` otherwise.
 */
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type HostKeyPolicy = 'accept-new' | 'strict';

export type HostKeyCheck = Readonly<{ verdict: 'known' | 'added' | 'unknown' | 'changed'; fingerprint: string; keyType: string }>;

/** OpenSSH's `SHA256:…` fingerprint of a public key blob. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (`ssh-ed25519`, …). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

/** The host as known_hosts names it. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function patternMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return field.split(',').some((p) => p === name);
}

/** The base64 keys recorded for `host:port` in `file` (missing file: none). */
export function knownKeys(file: string, host: string, port: number): string[] {
  if (!existsSync(file)) return [];
  const name = hostPattern(host, port);
  const keys: string[] = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    // Markers (@cert-authority, @revoked) are not supported: such lines never vouch for a host.
    if (!line || line.startsWith('#') || line.startsWith('@')) continue;
    const [hosts, , key] = line.split(/\s+/);
    if (hosts && key && patternMatches(hosts, name)) keys.push(key);
  }
  return keys;
}

/**
 * Checks `key` for `host:port`. With `accept-new` an unknown host is appended to `file` and
 * reported as `added`; a host whose recorded keys all differ is `changed` under either policy.
 */
export function checkHostKey(file: string, host: string, port: number, key: Buffer, policy: HostKeyPolicy): HostKeyCheck {
  const fingerprint = fingerprintOf(key);
  const keyType = keyTypeOf(key);
  const encoded = key.toString('base64');
  const known = knownKeys(file, host, port);
  if (known.includes(encoded)) return { verdict: 'known', fingerprint, keyType };
  if (known.length > 0) return { verdict: 'changed', fingerprint, keyType };
  if (policy === 'strict') return { verdict: 'unknown', fingerprint, keyType };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${hostPattern(host, port)} ${keyType} ${encoded}\n`, { mode: 0o600 });
  return { verdict: 'added', fingerprint, keyType };
}
