/**
 * Teams (issue #18): users, their browser sessions and API tokens (hashes only), the append-only
 * audit log (each row carries the SHA-256 of the previous one) and encrypted secrets (AES-256-GCM
 * ciphertext only; the key is DATA_DIR/secrets.key, never here).
 */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE users (
  name           TEXT PRIMARY KEY,
  role           TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  scope          TEXT,
  password_hash  TEXT,
  source         TEXT NOT NULL DEFAULT 'local',
  disabled       INTEGER NOT NULL DEFAULT 0,
  must_change    INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  created_by     TEXT NOT NULL
) STRICT;
CREATE TABLE user_sessions (
  id_hash     TEXT PRIMARY KEY,
  user        TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  address     TEXT NOT NULL
) STRICT;
CREATE TABLE api_tokens (
  id            TEXT PRIMARY KEY,
  user          TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  token_hash    TEXT NOT NULL UNIQUE,
  note          TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  created_by    TEXT NOT NULL,
  expires_at    INTEGER,
  last_used_at  INTEGER,
  revoked_at    INTEGER
) STRICT;
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  user       TEXT NOT NULL,
  role       TEXT NOT NULL,
  action     TEXT NOT NULL,
  object     TEXT NOT NULL,
  params     TEXT NOT NULL,
  result     TEXT NOT NULL,
  detail     TEXT NOT NULL,
  address    TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_user ON audit_log (user, seq);
CREATE INDEX audit_by_action ON audit_log (action, seq);
CREATE INDEX audit_by_at ON audit_log (at);
-- Append-only through this server; the hash chain shows what someone with the file changed anyway.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE secrets (
  name        TEXT PRIMARY KEY,
  version     INTEGER NOT NULL,
  sealed      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  updated_by  TEXT NOT NULL
) STRICT;
`;

export const migration0009: Migration = {
  version: 9,
  name: '0009-teams',
  up: (db) => {
    db.exec(sql);
  },
};
