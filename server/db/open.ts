/** Opens the history database with the pragmas the server relies on (conventions §4.11). */
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * `nativeBinding`: path of a better_sqlite3.node built for another runtime (the Electron shell
 * ships one built for its ABI); default: the one next to the package.
 */
export function openDb(path: string, nativeBinding?: string): Db {
  const db = new Database(path, nativeBinding ? { nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: commits do not fsync; a power cut may lose the last transactions, never corrupt.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  return db;
}
