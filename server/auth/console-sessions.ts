/**
 * Console sessions (issue #12): the `?token=` link is traded for a per-browser session secret, so
 * the console token itself never sits in a cookie, and a token seen in an address bar, a history
 * or a screenshot opens nothing once it is rotated (`directord manage --rotate-console-token`).
 *
 * A session is `s1.ID.MAC`: a random id and its HMAC under a key derived from the console token.
 * Nothing is stored (no secret in SQLite, nothing to clean up), sessions survive a restart, and
 * rotating the token changes the key, which ends every session at once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';

export type ConsoleSessions = Readonly<{
  /** A fresh session secret (the cookie's value). */
  issue(): string;
  /** Whether `value` is a session issued under the current console token. */
  valid(value: unknown): boolean;
}>;

const SESSION = /^s1\.([0-9a-f]{32})\.([0-9a-f]{64})$/;

export function createConsoleSessions(consoleToken: () => string): ConsoleSessions {
  let keyOf: { token: string; key: Buffer } | null = null;
  const key = () => {
    const token = consoleToken();
    if (keyOf?.token !== token) keyOf = { token, key: createHmac('sha256', token).update('directord console session v1').digest() };
    return keyOf.key;
  };
  const mac = (id: string) => createHmac('sha256', key()).update(id).digest();
  return {
    issue() {
      const id = randomBytes(16).toString('hex');
      return `s1.${id}.${mac(id).toString('hex')}`;
    },
    valid(value) {
      if (typeof value !== 'string') return false;
      const m = SESSION.exec(value);
      if (!m) return false;
      return timingSafeEqual(mac(m[1] ?? ''), Buffer.from(m[2] ?? '', 'hex'));
    },
  };
}

/**
 * The console token file, read again when it changes on disk (a rotation by the CLI renames a new
 * file into place), so a running server follows `--rotate-console-token` without a restart.
 */
export function watchedSecret(path: string, initial: string): () => string {
  let current = initial;
  let seen = stamp(path);
  return () => {
    const now = stamp(path);
    if (now !== seen) {
      seen = now;
      try {
        const text = readFileSync(path, 'utf8').trim();
        if (/^[0-9a-f]{32,}$/i.test(text)) current = text;
      } catch {
        // Gone or unreadable: keep the token we have rather than open or lock the console.
      }
    }
    return current;
  };
}

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

/** Writes a new random secret to `path` (0600, atomically) and returns it. */
export function rotateSecret(path: string): string {
  const secret = randomBytes(32).toString('hex');
  writeFileAtomic(path, secret + '\n');
  return secret;
}
