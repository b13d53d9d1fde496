/**
 * Files attached to a saved orchestration in the console (ADD/COPY sources): listed on the item,
 * and each blob linked to it so garbage collection keeps what a library item still lists.
 */
import type { Migration } from '../migrate.js';

const sql = `
ALTER TABLE library ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
CREATE TABLE library_blobs (
  library_id  TEXT NOT NULL REFERENCES library (id) ON DELETE CASCADE,
  sha         TEXT NOT NULL,
  PRIMARY KEY (library_id, sha)
) STRICT, WITHOUT ROWID;
CREATE INDEX library_blobs_by_sha ON library_blobs (sha);
`;

export const migration0005: Migration = {
  version: 5,
  name: '0005-library-attachments',
  up: (db) => {
    db.exec(sql);
  },
};
