/**
 * Garbage collection of ADD/COPY blobs: a blob file that no job in the history lists
 * (`job_blobs`) and that was last written or asked about (`blobs:has` touches it) longer than
 * the grace period ago is deleted. The grace keeps a blob that was just uploaded, or that the
 * CLI was just told it need not send, until the submission that uses it is stored. Files are
 * handled in small batches with a turn of the event loop between them, so a large blob folder
 * never stalls the server; partial uploads older than the grace are removed too.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../protocol/log.js';

const SHA = /^[0-9a-f]{56}$/;

export type BlobGcResult = Readonly<{ deleted: number; kept: number; young: number; partialsDeleted: number }>;

export type BlobGcOptions = Readonly<{
  /** DATA_DIR/blobs (partial uploads in `.partial/`). */
  dir: string;
  /** Whether any job in the history lists this blob. */
  isReferenced: (sha: string) => boolean | Promise<boolean>;
  /** Blobs younger than this are kept whatever refers to them. Default one hour. */
  graceMs?: number;
  /** Files handled per event-loop turn. Default 200. */
  batchSize?: number;
  clock?: () => number;
  log: Logger;
}>;

export type BlobGc = Readonly<{
  /** One pass over the blob folder; a call while a pass runs returns that pass. */
  collect(): Promise<BlobGcResult>;
}>;

export const BLOB_GC_GRACE_MS = 60 * 60 * 1000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Modification time in ms, or null when the file is gone. */
function mtimeOf(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

export function createBlobGc(options: BlobGcOptions): BlobGc {
  const graceMs = options.graceMs ?? BLOB_GC_GRACE_MS;
  const batchSize = Math.max(1, options.batchSize ?? 200);
  const clock = options.clock ?? Date.now;
  const { dir, log } = options;
  let running: Promise<BlobGcResult> | null = null;

  async function pass(): Promise<BlobGcResult> {
    let deleted = 0;
    let kept = 0;
    let young = 0;
    let partialsDeleted = 0;
    const names = listNames(dir).filter((n) => SHA.test(n));
    for (let i = 0; i < names.length; i += batchSize) {
      const cutoff = clock() - graceMs;
      for (const sha of names.slice(i, i + batchSize)) {
        const path = join(dir, sha);
        const mtime = mtimeOf(path);
        if (mtime === null) continue;
        if (mtime > cutoff) young++;
        else if (await options.isReferenced(sha)) kept++;
        else {
          rmSync(path, { force: true });
          deleted++;
        }
      }
      await nextTurn();
    }
    const partialDir = join(dir, '.partial');
    const cutoff = clock() - graceMs;
    for (const name of listNames(partialDir)) {
      const mtime = mtimeOf(join(partialDir, name));
      if (mtime !== null && mtime <= cutoff) {
        rmSync(join(partialDir, name), { force: true });
        partialsDeleted++;
      }
    }
    const result = { deleted, kept, young, partialsDeleted };
    if (deleted || partialsDeleted) log.info('unreferenced blobs deleted', result);
    return result;
  }

  return {
    collect() {
      running ??= pass()
        .catch((error: unknown) => {
          log.warn('blob garbage collection failed', { error: error instanceof Error ? error.message : String(error) });
          return { deleted: 0, kept: 0, young: 0, partialsDeleted: 0 };
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
  };
}
