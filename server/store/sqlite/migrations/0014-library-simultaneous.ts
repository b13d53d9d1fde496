/**
 * Library `allowSimultaneous` (issue #17, AWX's allow_simultaneous): the item's setting, and the
 * link from a run to the Library item it is of, so "is a run of this item still open" is one
 * indexed read inside the unit of work that would store the next run.
 */
import type { Migration } from '../migrate.js';

const sql = `
ALTER TABLE library ADD COLUMN allow_simultaneous INTEGER NOT NULL DEFAULT 0 CHECK (allow_simultaneous IN (0, 1));
ALTER TABLE runs ADD COLUMN library_id TEXT;
CREATE INDEX runs_open_by_library ON runs (library_id) WHERE finished_at IS NULL AND library_id IS NOT NULL;
`;

export const migration0014: Migration = {
  version: 14,
  name: '0014-library-simultaneous',
  up: (db) => {
    db.exec(sql);
  },
};
