/**
 * Issue #5 identities: enrolment tokens (stored as SHA-256 hashes, never in clear) and the
 * per-agent credentials they turn into (hashed too), with revocation. A revoked local agent
 * (one that authenticates with DATA_DIR/agent.key) gets a row without a secret, so the local key
 * cannot bring a revoked identity back.
 */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE enrolment_tokens (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,         -- hex SHA-256 of the whole token
  note        TEXT NOT NULL DEFAULT '',
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  max_uses    INTEGER NOT NULL CHECK (max_uses >= 1),
  uses        INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
  revoked_at  INTEGER
) STRICT;

CREATE TABLE agent_credentials (
  identity        TEXT PRIMARY KEY,
  secret_hash     TEXT,                      -- hex SHA-256 of the credential; NULL: a revoked local agent
  machine_id      TEXT NOT NULL,
  enrolment_id    TEXT,
  enrolled_at     INTEGER NOT NULL,
  revoked_at      INTEGER,
  revoked_by      TEXT,
  revoked_reason  TEXT
) STRICT;
`;

export const migration0003: Migration = {
  version: 3,
  name: '0003-enrolment',
  up: (db) => {
    db.exec(sql);
  },
};
