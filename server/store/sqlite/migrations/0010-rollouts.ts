/**
 * Safe rollouts (issue #17): one row per orchestration entry that runs in waves or with a
 * concurrency cap. The run itself stays `running` in `runs`; whether it is halted or awaiting
 * approval is this row's `state`, so open work, purges and retention keep their one status test.
 */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE rollouts (
  run_id       TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  entry        INTEGER NOT NULL,
  name         TEXT,
  mode         TEXT NOT NULL CHECK (mode IN ('serial', 'concurrency')),
  waves        TEXT NOT NULL,            -- JSON string[][]: hosts per wave
  job_ids      TEXT NOT NULL,            -- JSON string[]: the entry's jobs
  spec         TEXT NOT NULL,            -- JSON {maxFailPercentage, pause, approve, concurrency}
  released     INTEGER NOT NULL,         -- waves released for dispatch
  state        TEXT NOT NULL CHECK (state IN ('running', 'paused', 'awaiting-approval', 'halted', 'done', 'aborted')),
  halt_reason  TEXT,                     -- JSON HaltReason
  accepted     TEXT NOT NULL DEFAULT '[]',
  resume_at    INTEGER,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (run_id, entry)
) STRICT;
CREATE INDEX rollouts_by_state ON rollouts (state, run_id);
`;

export const migration0010: Migration = {
  version: 10,
  name: '0010-rollouts',
  up: (db) => {
    db.exec(sql);
  },
};
