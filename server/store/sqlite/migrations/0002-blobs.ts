/**
 * Issue #4: which blobs (ADD/COPY source files, stored content-addressed in DATA_DIR/blobs/) each
 * job may read, so an agent can fetch only the blobs of jobs dispatched to it; and a job-SHA index
 * for JOB_WAIT's `jobs:state`.
 */
import type { Migration } from '../migrate.js';

const sql = `
CREATE TABLE job_blobs (
  job_id  TEXT NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  sha     TEXT NOT NULL,
  PRIMARY KEY (job_id, sha)
) STRICT, WITHOUT ROWID;
CREATE INDEX job_blobs_by_sha ON job_blobs (sha);
CREATE INDEX jobs_by_sha ON jobs (sha, seq);
`;

export const migration0002: Migration = {
  version: 2,
  name: '0002-blobs',
  up: (db) => {
    db.exec(sql);
  },
};
