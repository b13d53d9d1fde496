/**
 * Runs keep their outcome as the console shows it (issue #13): `status` stays the coarse column
 * the indexes and older code read (running/succeeded/failed/cancelled), `outcome` says which bad
 * state a settled run came to (timed-out and lost are not failed). `part_of` ties the server's
 * internal runs (the ARG a QUERY sends) to the run that caused them; `title` names `exec` runs.
 * Runs settled before this migration have no outcome: their status is shown.
 */
import type { Migration } from '../migrate.js';

const sql = `
ALTER TABLE runs ADD COLUMN outcome TEXT CHECK (outcome IS NULL OR outcome IN ('succeeded', 'failed', 'timed-out', 'lost', 'cancelled'));
ALTER TABLE runs ADD COLUMN part_of TEXT;
ALTER TABLE runs ADD COLUMN title TEXT;
CREATE INDEX runs_by_part_of ON runs (part_of) WHERE part_of IS NOT NULL;
`;

export const migration0006: Migration = {
  version: 6,
  name: '0006-run-outcome',
  up: (db) => {
    db.exec(sql);
  },
};
