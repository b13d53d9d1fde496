/** Which job may read which blob, and the JOB_WAIT state look-up (both answered from SQLite). */
import type { TargetState } from '../../../protocol/jobs.js';
import type { BlobsStore } from '../types.js';
import type { Db } from './open.js';

export function createBlobsSql(db: Db): BlobsStore {
  const allowed = db.prepare<[string, string, string], { n: number }>(
    'SELECT 1 AS n FROM job_blobs b JOIN targets t ON t.job_id = b.job_id WHERE b.job_id = ? AND b.sha = ? AND t.target = ? LIMIT 1',
  );
  const latestState = db.prepare<[string, string], { state: TargetState }>(
    'SELECT t.state AS state FROM jobs j JOIN targets t ON t.job_id = j.job_id WHERE j.sha = ? AND t.target = ? ORDER BY j.seq DESC LIMIT 1',
  );
  const anyJob = db.prepare<[string], { n: number }>('SELECT 1 AS n FROM job_blobs WHERE sha = ? LIMIT 1');
  return {
    isReferenced: async (sha) => anyJob.get(sha) !== undefined,
    mayRead: async (identity, jobId, sha) => allowed.get(jobId, sha, identity) !== undefined,
    async latestStates(sha, identities) {
      const out: Record<string, TargetState | null> = {};
      for (const identity of identities) out[identity] = latestState.get(sha, identity)?.state ?? null;
      return out;
    },
  };
}
