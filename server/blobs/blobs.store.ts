/**
 * Content-addressed blob files: DATA_DIR/blobs/<sha3-224> (mode 0600), written atomically
 * (temp file + rename) and only after their SHA3-224 was checked. A blob larger than one message
 * arrives in pieces, appended in order to DATA_DIR/blobs/.partial/<sha> until complete. A blob
 * name is always 56 lowercase hex digits, so no request can name a path.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  utimesSync,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fail, ok, type Result } from '../../protocol/result.js';
import { LIMITS } from '../../protocol/version.js';
import type { BlobPut, BlobPutResult } from '../../protocol/blobs.js';

const SHA = /^[0-9a-f]{56}$/;

export type BlobStore = ReturnType<typeof createBlobStore>;

export function sha3_224Hex(data: Uint8Array): string {
  return createHash('sha3-224').update(data).digest('hex');
}

export function createBlobStore(dir: string) {
  const partialDir = join(dir, '.partial');
  mkdirSync(partialDir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);

  const pathOf = (sha: string): string | null => (SHA.test(sha) ? join(dir, sha) : null);

  function has(sha: string): boolean {
    const path = pathOf(sha);
    return path !== null && existsSync(path);
  }

  /** Writes `data` as blob `sha` after checking its hash. */
  function storeWhole(sha: string, data: Uint8Array): Result<null> {
    const actual = sha3_224Hex(data);
    if (actual !== sha) return fail('invalid-payload', `blobs:put: content SHA3-224 is ${actual}, not ${sha}`);
    const path = join(dir, sha);
    if (existsSync(path)) return ok(null);
    const tmp = join(partialDir, `${sha}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, path);
    return ok(null);
  }

  function put(request: BlobPut): Result<BlobPutResult> {
    const { sha, size } = request;
    if (!SHA.test(sha)) return fail('invalid-payload', 'blobs:put: sha must be 56 lowercase hex digits');
    if (size > LIMITS.maxBlobBytes) return fail('too-large', `blobs:put: a blob may hold at most ${LIMITS.maxBlobBytes} bytes`);
    if (has(sha)) return ok({ sha, complete: true, received: size });
    const offset = request.offset ?? 0;
    let data: Buffer;
    if (request.encoding === 'utf8') data = Buffer.from(request.content, 'utf8');
    else {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(request.content)) return fail('invalid-payload', 'blobs:put: content is not base64');
      data = Buffer.from(request.content, 'base64');
    }
    if (data.length > LIMITS.blobChunkBytes) return fail('too-large', `blobs:put: a piece may hold at most ${LIMITS.blobChunkBytes} bytes`);
    if (offset + data.length > size)
      return fail('invalid-payload', `blobs:put: piece at ${offset} of ${data.length} bytes passes the blob size ${size}`);
    if (offset === 0 && data.length === size) {
      const stored = storeWhole(sha, data);
      return stored.ok ? ok({ sha, complete: true, received: size }) : stored;
    }
    const partial = join(partialDir, sha);
    const have = offset === 0 ? 0 : existsSync(partial) ? statSync(partial).size : 0;
    if (offset !== have)
      return fail('conflict', `blobs:put: expected the piece at offset ${have}, got ${offset}; send the blob again from there`);
    if (offset === 0) writeFileSync(partial, data, { mode: 0o600 });
    else appendFileSync(partial, data);
    const received = offset + data.length;
    if (received < size) return ok({ sha, complete: false, received });
    const whole = readFileSync(partial);
    rmSync(partial, { force: true });
    const stored = storeWhole(sha, whole);
    return stored.ok ? ok({ sha, complete: true, received }) : stored;
  }

  /** A piece of a stored blob (at most `maxBytes` from `offset`), or null when it is missing. */
  function read(sha: string, offset: number, maxBytes = LIMITS.blobChunkBytes): { size: number; data: Buffer } | null {
    const path = pathOf(sha);
    if (path === null || !existsSync(path)) return null;
    const fd = openSync(path, 'r');
    try {
      const size = statSync(path).size;
      const length = Math.max(0, Math.min(maxBytes, size - offset));
      const data = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, data, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return { size, data: data.subarray(0, done) };
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The blobs of `shas` not stored yet. Those stored are touched: the client was just told it need
   * not send them, so garbage collection must give them a fresh grace period until it submits.
   */
  function missing(shas: readonly string[]): string[] {
    const now = new Date();
    return [...new Set(shas)].filter((sha) => {
      if (!has(sha)) return true;
      try {
        utimesSync(join(dir, sha), now, now);
      } catch {
        return true;
      }
      return false;
    });
  }

  return { dir, has, put, read, missing };
}
