/** The first schema: agents, runs, jobs, per-target results, output chunks and the orchestration library. */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE agents (
  identity        TEXT PRIMARY KEY,
  machine_id      TEXT NOT NULL,
  agent_version   TEXT NOT NULL,
  facts           TEXT NOT NULL,            -- JSON AgentFacts
  components      TEXT NOT NULL,            -- JSON ComponentManifest[]
  first_seen      INTEGER NOT NULL,
  last_seen       INTEGER NOT NULL,
  last_heartbeat  INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  online          INTEGER NOT NULL DEFAULT 0 CHECK (online IN (0, 1)),
  started_at      INTEGER NOT NULL,
  running         INTEGER NOT NULL DEFAULT 0,
  queued          INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE runs (
  run_id        TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('exec', 'orchestrate')),
  source        TEXT,
  source_text   TEXT,
  requested_by  TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  finished_at   INTEGER,
  status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
  rerun_of      TEXT,
  job_count     INTEGER NOT NULL,
  target_list   TEXT NOT NULL,              -- JSON string[] (distinct targets)
  verb_list     TEXT NOT NULL,              -- JSON string[] (distinct verbs)
  counts        TEXT NOT NULL,              -- JSON Record<TargetState, number>; current once settled
  submission    TEXT NOT NULL               -- JSON RunSubmission without sourceText (for re-runs)
) STRICT;
CREATE INDEX runs_by_created ON runs (created_at);
CREATE INDEX runs_by_status ON runs (status, created_at);

CREATE TABLE jobs (
  job_id          TEXT PRIMARY KEY,
  seq             INTEGER NOT NULL UNIQUE,  -- global creation order ("last")
  run_id          TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  parent_id       TEXT NOT NULL,
  parent_name     TEXT,
  parent_sha      TEXT,
  job_name        TEXT,
  verb            TEXT NOT NULL,
  sha             TEXT NOT NULL,
  text            TEXT NOT NULL,
  args            TEXT NOT NULL,            -- JSON job fields
  vars            TEXT,                     -- JSON template vars
  stdout_arg      TEXT,
  stderr_arg      TEXT,
  timeout         REAL NOT NULL,
  run_once        INTEGER NOT NULL,
  skip_cache      INTEGER NOT NULL,
  parent_async    INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  skipped_reason  TEXT
) STRICT;
CREATE INDEX jobs_by_run ON jobs (run_id, seq);
CREATE INDEX jobs_by_parent ON jobs (parent_id, seq);
CREATE INDEX jobs_by_created ON jobs (created_at);
CREATE INDEX jobs_by_verb ON jobs (verb, run_id);

CREATE TABLE targets (
  job_id          TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  target          TEXT NOT NULL,
  run_id          TEXT NOT NULL,
  state           TEXT NOT NULL CHECK (state IN ('queued', 'dispatched', 'running', 'succeeded', 'failed', 'timed-out', 'lost', 'cancelled')),
  info            TEXT,
  exit_code       INTEGER,
  cached          INTEGER NOT NULL DEFAULT 0,
  queued_at       INTEGER NOT NULL,
  dispatched_at   INTEGER,
  started_at      INTEGER,
  finished_at     INTEGER,
  execution_time  REAL,
  roundtrip_time  REAL,
  stdout_bytes    INTEGER NOT NULL DEFAULT 0,
  stderr_bytes    INTEGER NOT NULL DEFAULT 0,
  truncated       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, target)
) STRICT;
CREATE INDEX targets_by_target ON targets (target, run_id);
CREATE INDEX targets_by_run ON targets (run_id);
CREATE INDEX targets_open ON targets (state) WHERE state IN ('queued', 'dispatched', 'running');

CREATE TABLE output (
  job_id  TEXT NOT NULL,
  target  TEXT NOT NULL,
  stream  TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
  seq     INTEGER NOT NULL,
  data    TEXT NOT NULL,
  PRIMARY KEY (job_id, target, stream, seq),
  FOREIGN KEY (job_id, target) REFERENCES targets (job_id, target) ON DELETE CASCADE
) STRICT;

CREATE TABLE library (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  yaml        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX library_by_name ON library (name);
`;

export const migration0001: Migration = {
  version: 1,
  name: '0001-initial',
  up: (db) => {
    db.exec(sql);
  },
};
