/**
 * Schedules, notifications (with their delivery log) and inbound triggers (issue #19). A schedule
 * or trigger runs a Library item (by id: renaming it keeps the link; deleting it removes them) or
 * a stored file's text. `last_fired_at` is written in the unit of work that stores the run it
 * started, so a fire time is handled once even across a restart at that moment.
 */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE schedules (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  cron           TEXT NOT NULL,
  tz             TEXT,
  library_id     TEXT REFERENCES library (id) ON DELETE CASCADE,
  file           TEXT,
  file_text      TEXT,
  target         TEXT,
  vars           TEXT NOT NULL DEFAULT '{}',
  misfire        TEXT NOT NULL CHECK (misfire IN ('skip', 'run-once')),
  overlap        TEXT NOT NULL CHECK (overlap IN ('skip', 'queue', 'allow')),
  enabled        INTEGER NOT NULL DEFAULT 1,
  created_at     INTEGER NOT NULL,
  last_fired_at  INTEGER,
  last_run_id    TEXT,
  queued_at      INTEGER,
  CHECK ((library_id IS NULL) <> (file IS NULL))
) STRICT;

CREATE TABLE notifications (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'email')),
  destination TEXT NOT NULL,
  secret      TEXT,
  events      TEXT NOT NULL,
  library_id  TEXT REFERENCES library (id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE deliveries (
  id               INTEGER PRIMARY KEY,
  notification_id  TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
  event            TEXT NOT NULL,
  run_id           TEXT NOT NULL,
  attempt          INTEGER NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('delivered', 'failed', 'retrying')),
  detail           TEXT NOT NULL,
  at               INTEGER NOT NULL
) STRICT;
CREATE INDEX deliveries_by_notification ON deliveries (notification_id, id);

CREATE TABLE triggers (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  library_id     TEXT REFERENCES library (id) ON DELETE CASCADE,
  file           TEXT,
  file_text      TEXT,
  target         TEXT,
  vars_from      TEXT NOT NULL DEFAULT '[]',
  secret_hash    TEXT NOT NULL,
  hmac_key       TEXT,
  created_at     INTEGER NOT NULL,
  last_fired_at  INTEGER,
  CHECK ((library_id IS NULL) <> (file IS NULL))
) STRICT;

CREATE INDEX runs_by_requested_by ON runs (requested_by, created_at);
`;

export const migration0011: Migration = {
  version: 11,
  name: '0011-automation',
  up: (db) => {
    db.exec(sql);
  },
};
