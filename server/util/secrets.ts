/** The data dir's secrets: `agent.key` and `ui.token` (random, mode 0600, reused when present). */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Reads the secret at `path`, or creates it (32 random bytes, hex) with mode 0600. */
export function loadOrCreateSecret(path: string): string {
  if (existsSync(path)) {
    const existing = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{32,}$/i.test(existing)) {
      chmodSync(path, 0o600);
      return existing;
    }
  }
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, secret + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return secret;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time comparison of a presented secret with the expected one (any lengths). */
export function secretMatches(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 1024) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
