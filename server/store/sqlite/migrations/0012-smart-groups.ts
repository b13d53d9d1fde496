/**
 * Smart groups (issue #16): a named host pattern, saved in the inventory and resolved live each
 * time it is used (so only the pattern is kept, never the hosts it matched).
 */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE inventory_smart_groups (
  name        TEXT PRIMARY KEY,
  pattern     TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;
`;

export const migration0012: Migration = {
  version: 12,
  name: '0012-smart-groups',
  up: (db) => {
    db.exec(sql);
  },
};
