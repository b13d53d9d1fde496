/**
 * The SQLite store: one better-sqlite3 connection on the event loop (its calls are synchronous;
 * the async interface costs a microtask per call, not a thread hop). See docs/design.md, "Store",
 * for why it is not in a worker thread.
 */
import type { Logger } from '../../../protocol/log.js';
import type { Store, StoreTx } from '../types.js';
import { createAgentsSql } from './agents.sqlite.js';
import { createNotificationsSql, createSchedulesSql, createTriggersSql } from './automation.sqlite.js';
import { createBlobsSql } from './blobs.sqlite.js';
import { createEnrolmentSql } from './enrolment.sqlite.js';
import { createHistorySql } from './history.sqlite.js';
import { createJobsSql } from './jobs.sqlite.js';
import { createInventorySql } from './inventory.sqlite.js';
import { createLibrarySql } from './library.sqlite.js';
import { migrate, type MigrationReport } from './migrate.js';
import { migrations } from './migrations/index.js';
import { openDb, type Db } from './open.js';
import { createRetentionSql } from './retention.sqlite.js';
import { createRolloutsSql } from './rollouts.sqlite.js';
import { createAuditSql, createSecretsSql, createUsersSql } from './teams.sqlite.js';

export type SqliteStore = Store & Readonly<{ migration: MigrationReport }>;

/** Opens (creating when missing) and migrates the database at `path`. */
export function openSqliteStore(options: Readonly<{ path: string; nativeBinding?: string; log: Logger }>): SqliteStore {
  const db = openDb(options.path, options.nativeBinding);
  try {
    const migration = migrate(db, migrations, options.log);
    return sqliteStore(db, migration);
  } catch (error) {
    db.close();
    throw error;
  }
}

function sqliteStore(db: Db, migration: MigrationReport): SqliteStore {
  const jobs = createJobsSql(db);
  const enrolment = createEnrolmentSql(db);
  const inventory = createInventorySql(db);
  const schedules = createSchedulesSql(db);
  const rollouts = createRolloutsSql(db);
  const tx: StoreTx = {
    jobs: jobs.writes,
    enrolment: enrolment.writes,
    inventory: inventory.writes,
    schedules: schedules.writes,
    rollouts: rollouts.writes,
  };
  // Nested calls become savepoints (better-sqlite3), so a body may call another unit's writes.
  const inTransaction = db.transaction((body: (tx: StoreTx) => unknown) => body(tx));
  return {
    migration,
    jobs: jobs.store,
    history: createHistorySql(db),
    agents: createAgentsSql(db),
    enrolment: enrolment.store,
    library: createLibrarySql(db),
    blobs: createBlobsSql(db),
    retention: createRetentionSql(db),
    inventory: inventory.store,
    schedules: schedules.store,
    notifications: createNotificationsSql(db),
    triggers: createTriggersSql(db),
    rollouts: rollouts.store,
    users: createUsersSql(db),
    audit: createAuditSql(db),
    secrets: createSecretsSql(db),
    transaction<T>(body: (tx: StoreTx) => T): Promise<T> {
      try {
        return Promise.resolve(inTransaction(body) as T);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async close() {
      db.close();
    },
  };
}
