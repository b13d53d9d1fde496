/** Opens the history database with the pragmas the server relies on (conventions §4.11). */
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';

export type Db = Database.Database;

/**
 * `nativeBinding`: path of a better_sqlite3.node built for another runtime (the Electron shell
 * ships one built for its ABI); default: the one next to the package.
 */
export function openDb(path: string, nativeBinding?: string): Db {
  // History holds every host's output: create it owner-only (SQLite gives -wal/-shm the same mode).
  if (path !== ':memory:' && path !== '') closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path, nativeBinding ? { nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: commits do not fsync; a power cut may lose the last transactions, never corrupt.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  return db;
}
