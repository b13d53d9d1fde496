/**
 * Password hashes: scrypt from Node's own crypto (memory-hard; maintained with Node itself, no
 * native add-on to build for Electron's ABI, unlike the argon2 package). Cost N=2^15, r=8, p=1
 * (32 MiB, ≈ 60 ms here): OWASP's minimum for scrypt. The parameters travel in the hash, so a
 * later cost raise still verifies old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...o, maxmem: 128 * o.N * o.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$LOG2N$r$p$SALT$KEY` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', Math.log2(COST.N), COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

const HASH = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;
// Verifying against this when there is no such user keeps the answer's timing the same.
let dummy: string | null = null;

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  dummy ??= await hashPassword('not a password of anyone');
  const m = HASH.exec(hash ?? dummy) ?? HASH.exec(dummy);
  if (!m) return false;
  const [, logN, r, p, salt, key] = m;
  const expected = Buffer.from(key ?? '', 'base64url');
  const got = await derive(password, Buffer.from(salt ?? '', 'base64url'), { N: 2 ** Number(logN), r: Number(r), p: Number(p) });
  return hash !== null && expected.length === got.length && timingSafeEqual(expected, got);
}

/** A one-time password: 20 characters of base64url (120 bits). */
export function oneTimePassword(): string {
  return randomBytes(15).toString('base64url');
}
