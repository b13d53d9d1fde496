/** Numbered migrations, one per file, each in its own transaction ending with `PRAGMA user_version = N`. */
import type { Logger } from '../../../protocol/log.js';
import type { Db } from './open.js';

export type Migration = Readonly<{ version: number; name: string; up: (db: Db) => void }>;

export type MigrationReport = Readonly<{ from: number; to: number; applied: readonly string[] }>;

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[], log: Logger): MigrationReport {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1..N without gaps; found ${m.version} at position ${i + 1}`);
  });
  const from = schemaVersion(db);
  const latest = sorted.length;
  if (from > latest) {
    throw new Error(`database schema version ${from} is newer than this server knows (${latest}); upgrade Directord Console`);
  }
  const applied: string[] = [];
  for (const m of sorted.slice(from)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.name);
    log.info('migration applied', { version: m.version, name: m.name });
  }
  return { from, to: schemaVersion(db), applied };
}
