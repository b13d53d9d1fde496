/**
 * The inventory (issue #16): declared hosts (an agent identity needs no row until it gets labels,
 * vars, groups or an SSH address), groups with nested children, labels and vars (JSON of the
 * YAML the operator wrote). `all` and `ungrouped` are implicit and never stored.
 */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE inventory_hosts (
  name        TEXT PRIMARY KEY,
  labels      TEXT NOT NULL DEFAULT '{}',
  vars        TEXT NOT NULL DEFAULT '{}',
  ssh         TEXT,
  declared_at INTEGER NOT NULL
) STRICT;
CREATE TABLE inventory_groups (
  name        TEXT PRIMARY KEY,
  vars        TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE inventory_group_hosts (
  group_name  TEXT NOT NULL REFERENCES inventory_groups (name) ON DELETE CASCADE,
  host        TEXT NOT NULL,
  PRIMARY KEY (group_name, host)
) STRICT, WITHOUT ROWID;
CREATE INDEX inventory_group_hosts_by_host ON inventory_group_hosts (host);
CREATE TABLE inventory_group_children (
  parent      TEXT NOT NULL REFERENCES inventory_groups (name) ON DELETE CASCADE,
  child       TEXT NOT NULL REFERENCES inventory_groups (name) ON DELETE CASCADE,
  PRIMARY KEY (parent, child)
) STRICT, WITHOUT ROWID;
`;

export const migration0008: Migration = {
  version: 8,
  name: '0008-inventory',
  up: (db) => {
    db.exec(sql);
  },
};
