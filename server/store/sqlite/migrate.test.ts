import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../../protocol/log.js';
import { migrate, schemaVersion, type Migration } from './migrate.js';
import { migrations } from './migrations/index.js';
import { openDb } from './open.js';

const dir = mkdtempSync(join(tmpdir(), 'directord-migrate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a fresh file gets every migration, WAL and STRICT tables', () => {
  const db = openDb(join(dir, 'fresh.db'));
  const report = migrate(db, migrations, silentLogger);
  assert.equal(report.from, 0);
  assert.equal(report.to, migrations.length);
  assert.equal(schemaVersion(db), migrations.length);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  const tables = db
    .prepare<[], { name: string; strict: number }>(
      "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
    )
    .all();
  for (const name of ['agents', 'runs', 'jobs', 'targets', 'output', 'library']) {
    assert.equal(tables.find((t) => t.name === name)?.strict, 1, `${name} is STRICT`);
  }
  assert.throws(
    () => db.prepare("INSERT INTO library (id, name, yaml, created_at, updated_at) VALUES ('a', 'b', 'c', 'not a number', 1)").run(),
    /cannot store TEXT value in INTEGER column/,
  );
  db.close();
});

test('an existing file keeps its data and only gets the new migrations', () => {
  const path = join(dir, 'existing.db');
  let db = openDb(path);
  migrate(db, migrations, silentLogger);
  db.prepare("INSERT INTO library (id, name, yaml, created_at, updated_at) VALUES ('x', 'kept', '- jobs: []', 1, 1)").run();
  db.close();

  db = openDb(path);
  const again = migrate(db, migrations, silentLogger);
  assert.deepEqual(again.applied, []);
  const extra: Migration = {
    version: migrations.length + 1,
    name: 'test-extra',
    up: (d) => d.exec('CREATE TABLE extra (a INTEGER) STRICT'),
  };
  const next = migrate(db, [...migrations, extra], silentLogger);
  assert.deepEqual(next.applied, ['test-extra']);
  assert.equal(schemaVersion(db), migrations.length + 1);
  assert.equal(db.prepare<[], { name: string }>("SELECT name FROM library WHERE id = 'x'").get()?.name, 'kept');
  db.close();

  db = openDb(path);
  assert.throws(() => migrate(db, migrations, silentLogger), /newer than this server knows/);
  db.close();
});

test('a failing migration rolls back and leaves the version unchanged', () => {
  const db = openDb(join(dir, 'failing.db'));
  migrate(db, migrations, silentLogger);
  const broken: Migration = {
    version: migrations.length + 1,
    name: 'broken',
    up: (d) => d.exec('CREATE TABLE half (a INTEGER) STRICT; THIS IS NOT SQL'),
  };
  assert.throws(() => migrate(db, [...migrations, broken], silentLogger));
  assert.equal(schemaVersion(db), migrations.length);
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'half'").get() as { n: number }).n, 0);
  db.close();
});
