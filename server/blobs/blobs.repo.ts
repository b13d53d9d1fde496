/** Which job may read which blob, and the JOB_WAIT state look-up (both answered from SQLite). */
import type { TargetState } from '../../protocol/jobs.js';
import type { Db } from '../db/open.js';

export type BlobsRepo = ReturnType<typeof createBlobsRepo>;

export function createBlobsRepo(db: Db) {
  const allowed = db.prepare<[string, string, string], { n: number }>(
    'SELECT 1 AS n FROM job_blobs b JOIN targets t ON t.job_id = b.job_id WHERE b.job_id = ? AND b.sha = ? AND t.target = ? LIMIT 1',
  );
  const latestState = db.prepare<[string, string], { state: TargetState }>(
    'SELECT t.state AS state FROM jobs j JOIN targets t ON t.job_id = j.job_id WHERE j.sha = ? AND t.target = ? ORDER BY j.seq DESC LIMIT 1',
  );
  const insertLink = db.prepare('INSERT OR IGNORE INTO job_blobs (job_id, sha) VALUES (?, ?)');
  const anyJob = db.prepare<[string], { n: number }>('SELECT 1 AS n FROM job_blobs WHERE sha = ? LIMIT 1');
  return {
    /** Records the blobs a job may read; call inside the submission's transaction. */
    link(jobId: string, shas: readonly string[]): void {
      for (const sha of shas) insertLink.run(jobId, sha);
    },
    /** Whether any job in the history lists blob `sha` (garbage collection keeps it). */
    isReferenced(sha: string): boolean {
      return anyJob.get(sha) !== undefined;
    },
    /** Whether `identity` was given job `jobId` and that job lists blob `sha`. */
    mayRead(identity: string, jobId: string, sha: string): boolean {
      return allowed.get(jobId, sha, identity) !== undefined;
    },
    /** The state of the latest job with this SHA on each identity (null: never given one). */
    latestStates(sha: string, identities: readonly string[]): Record<string, TargetState | null> {
      const out: Record<string, TargetState | null> = {};
      for (const identity of identities) out[identity] = latestState.get(sha, identity)?.state ?? null;
      return out;
    },
  };
}
