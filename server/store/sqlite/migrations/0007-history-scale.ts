/**
 * Issue #15, history at fleet scale.
 * - Per-job counts on `jobs` and per-(host, run) counts in `host_runs`. A submission writes them
 *   with its targets (jobs.sqlite.ts `insertSubmission`, one row per job and per host, not one
 *   write per target); after that a trigger on `targets` keeps them on every change of a target's
 *   count class, times or finish, in the same statement, so they are in the same transaction as
 *   the target row by construction (retries, late results, lost and cancelled targets, a crash
 *   mid-turn: the counts commit or roll back with the row). Lists read them instead of every
 *   target row. Rebuilt here from the rows already stored.
 *   Deleted targets need no trigger: they go with their job (cascade), and `host_runs` with its run.
 * - Keyset indexes for the lists (runs by (created_at, run_id), jobs by seq per filter).
 * - `output_fts`: a contentless FTS5 index of output chunks (ANSI escapes removed, see
 *   server/history/search-text.ts), filled by the store when a chunk is stored and emptied by a
 *   trigger when one is deleted (retention, purge, cascades).
 */
import { indexText } from '../../../history/search-text.js';
import type { Migration } from '../migrate.js';

const OPEN = "('queued', 'dispatched', 'running')";
const FAILED = "('failed', 'timed-out', 'lost')";

const counts = (row: 'NEW' | 'OLD') => ({
  open: `(${row}.state IN ${OPEN})`,
  ok: `(${row}.state = 'succeeded')`,
  failed: `(${row}.state IN ${FAILED})`,
  cancelled: `(${row}.state = 'cancelled')`,
});
/** Which count a state adds to: a change within a class (queued → dispatched → running) changes no count. */
const klass = (row: 'NEW' | 'OLD') =>
  `(CASE WHEN ${row}.state IN ${OPEN} THEN 0 WHEN ${row}.state = 'succeeded' THEN 1 WHEN ${row}.state IN ${FAILED} THEN 2 ELSE 3 END)`;
const n = counts('NEW');
const o = counts('OLD');

const sql = `
ALTER TABLE jobs ADD COLUMN n_targets INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN n_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN n_ok INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN n_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN n_cancelled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN ex_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN ex_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN rt_sum REAL NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN rt_n INTEGER NOT NULL DEFAULT 0;

CREATE INDEX jobs_open_by_seq ON jobs (seq) WHERE n_open > 0;
CREATE INDEX jobs_failed_by_seq ON jobs (seq) WHERE n_failed > 0;
CREATE INDEX jobs_ok_by_seq ON jobs (seq) WHERE n_ok > 0;
CREATE INDEX runs_page ON runs (created_at, run_id);
CREATE INDEX runs_page_by_status ON runs (status, created_at, run_id);

CREATE TABLE host_runs (
  target       TEXT NOT NULL,
  run_id       TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  n_targets    INTEGER NOT NULL DEFAULT 0,
  n_open       INTEGER NOT NULL DEFAULT 0,
  n_ok         INTEGER NOT NULL DEFAULT 0,
  n_failed     INTEGER NOT NULL DEFAULT 0,
  n_cancelled  INTEGER NOT NULL DEFAULT 0,
  last_at      INTEGER,
  PRIMARY KEY (target, run_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX host_runs_page ON host_runs (target, created_at, run_id);
CREATE INDEX host_runs_failures ON host_runs (target, created_at, run_id) WHERE n_failed > 0;

CREATE TRIGGER targets_counts_update AFTER UPDATE OF state, execution_time, roundtrip_time, finished_at ON targets
WHEN ${klass('OLD')} <> ${klass('NEW')} OR OLD.execution_time IS NOT NEW.execution_time OR OLD.roundtrip_time IS NOT NEW.roundtrip_time
  OR OLD.finished_at IS NOT NEW.finished_at
BEGIN
  UPDATE jobs SET n_open = n_open + ${n.open} - ${o.open}, n_ok = n_ok + ${n.ok} - ${o.ok},
    n_failed = n_failed + ${n.failed} - ${o.failed}, n_cancelled = n_cancelled + ${n.cancelled} - ${o.cancelled},
    ex_sum = ex_sum + coalesce(NEW.execution_time, 0) - coalesce(OLD.execution_time, 0),
    ex_n = ex_n + (NEW.execution_time IS NOT NULL) - (OLD.execution_time IS NOT NULL),
    rt_sum = rt_sum + coalesce(NEW.roundtrip_time, 0) - coalesce(OLD.roundtrip_time, 0),
    rt_n = rt_n + (NEW.roundtrip_time IS NOT NULL) - (OLD.roundtrip_time IS NOT NULL)
  WHERE job_id = NEW.job_id;
  UPDATE host_runs SET n_open = n_open + ${n.open} - ${o.open}, n_ok = n_ok + ${n.ok} - ${o.ok},
    n_failed = n_failed + ${n.failed} - ${o.failed}, n_cancelled = n_cancelled + ${n.cancelled} - ${o.cancelled},
    last_at = max(coalesce(last_at, 0), coalesce(NEW.finished_at, 0))
  WHERE target = NEW.target AND run_id = NEW.run_id;
END;

CREATE VIRTUAL TABLE output_fts USING fts5(data, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER output_fts_delete AFTER DELETE ON output BEGIN
  DELETE FROM output_fts WHERE rowid = OLD.rowid;
END;
`;

/** The counts of the rows already stored, as the triggers would have kept them. */
const rebuild = `
UPDATE jobs SET (n_targets, n_open, n_ok, n_failed, n_cancelled, ex_sum, ex_n, rt_sum, rt_n) = (
  SELECT COUNT(*), coalesce(SUM(state IN ${OPEN}), 0), coalesce(SUM(state = 'succeeded'), 0), coalesce(SUM(state IN ${FAILED}), 0),
         coalesce(SUM(state = 'cancelled'), 0), coalesce(SUM(execution_time), 0), COUNT(execution_time), coalesce(SUM(roundtrip_time), 0), COUNT(roundtrip_time)
  FROM targets t WHERE t.job_id = jobs.job_id);
INSERT INTO host_runs (target, run_id, created_at, n_targets, n_open, n_ok, n_failed, n_cancelled, last_at)
  SELECT t.target, t.run_id, r.created_at, COUNT(*), SUM(t.state IN ${OPEN}), SUM(t.state = 'succeeded'), SUM(t.state IN ${FAILED}),
         SUM(t.state = 'cancelled'), MAX(t.finished_at)
  FROM targets t JOIN runs r ON r.run_id = t.run_id GROUP BY t.target, t.run_id;
`;

export const migration0007: Migration = {
  version: 7,
  name: '0007-history-scale',
  up: (db) => {
    db.exec(sql);
    db.exec(rebuild);
    const insert = db.prepare('INSERT INTO output_fts (rowid, data) VALUES (?, ?)');
    // In pages: better-sqlite3 cannot write while a read on the same connection is still stepping.
    const page = db.prepare<[number], { rowid: number; data: string }>(
      'SELECT rowid, data FROM output WHERE rowid > ? ORDER BY rowid LIMIT 2000',
    );
    for (let last = 0, rows = page.all(0); rows.length; last = rows[rows.length - 1]!.rowid, rows = page.all(last)) {
      for (const row of rows) insert.run(row.rowid, indexText(row.data));
    }
  },
};
