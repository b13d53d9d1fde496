/** SQL of history retention: the next settled run to delete, and chunked deletes of it. */
import type { RetentionStore } from '../types.js';
import type { Db } from './open.js';

/** Target rows (each with its output) deleted per transaction at most, beyond the first job. */
export const TARGETS_PER_CHUNK = 1000;

export function createRetentionSql(db: Db): RetentionStore {
  const oldestBefore = db.prepare<[number], { run_id: string }>(
    "SELECT run_id FROM runs WHERE status <> 'running' AND created_at < ? ORDER BY created_at LIMIT 1",
  );
  const oldestAny = db.prepare<[], { run_id: string }>("SELECT run_id FROM runs WHERE status <> 'running' ORDER BY created_at LIMIT 1");
  // A chunk is bounded by target rows, not only jobs: a job on 1,000 hosts deletes 1,000 targets,
  // their output and its index entries, so 200 such jobs in one transaction would hold the job
  // path for seconds. The per-job counts (migration 0007) say how many each job has.
  const candidates = db.prepare<[string, number], { job_id: string; n_targets: number }>(
    'SELECT job_id, n_targets FROM jobs WHERE run_id = ? LIMIT ?',
  );
  const deleteJobs = db.prepare('DELETE FROM jobs WHERE job_id IN (SELECT value FROM json_each(?))');
  // Only a settled run is deleted; the status test guards against a run reopened meanwhile.
  const deleteRun = db.prepare(
    "DELETE FROM runs WHERE run_id = ? AND status <> 'running' AND NOT EXISTS (SELECT 1 FROM jobs WHERE run_id = ?)",
  );
  const chunk = db.transaction((runId: string, batchJobs: number): { jobs: number; runDone: boolean } => {
    const found = candidates.all(runId, batchJobs);
    const ids: string[] = [];
    let rows = 0;
    for (const c of found) {
      if (ids.length > 0 && rows + c.n_targets > TARGETS_PER_CHUNK) break;
      ids.push(c.job_id);
      rows += c.n_targets;
    }
    const jobs = deleteJobs.run(JSON.stringify(ids)).changes;
    if (ids.length < found.length || jobs === batchJobs) return { jobs, runDone: false };
    return { jobs, runDone: deleteRun.run(runId, runId).changes === 1 };
  });
  const pragma = (name: string) => db.pragma(name, { simple: true }) as number;
  return {
    oldestSettled: async (before) => (before === null ? oldestAny.get() : oldestBefore.get(before))?.run_id,
    deleteChunk: async (runId, batchJobs) => chunk(runId, batchJobs),
    usedBytes: async () => (pragma('page_count') - pragma('freelist_count')) * pragma('page_size'),
  };
}
