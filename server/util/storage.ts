/**
 * A full data dir (SQLite SQLITE_FULL, ENOSPC from a file write) is an expected condition, not a
 * bug: the request is refused with `storage-full`, nothing half-written is kept, and the server
 * goes on; it works again as soon as space returns. The warning is logged once per episode.
 */
import type { Logger } from '../../protocol/log.js';
import { fail, type WireError } from '../../protocol/result.js';

export function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

export function storageFullMessage(what: string, dataDir = 'dir'): string {
  return `the server's data ${dataDir === 'dir' ? 'dir' : `dir ${dataDir}`} is full: ${what} was not stored; free some space there (or lower --retention-max-mb) and try again`;
}

export type StorageGuard = Readonly<{
  /** A `storage-full` failure naming what was not stored; logs the first one of an episode. */
  full(what: string, error: unknown): { ok: false; error: WireError };
  /** A write succeeded again: the next full disk is a new episode. */
  recovered(): void;
}>;

export function createStorageGuard(dataDir: string, log: Logger): StorageGuard {
  let episode = false;
  return {
    full(what, error) {
      if (!episode) {
        episode = true;
        log.error('the data dir is full: writes are refused until space is freed', { dataDir, what, error: String(error) });
      }
      return fail('storage-full', storageFullMessage(what, dataDir));
    },
    recovered() {
      if (!episode) return;
      episode = false;
      log.info('the data dir accepts writes again', { dataDir });
    },
  };
}
