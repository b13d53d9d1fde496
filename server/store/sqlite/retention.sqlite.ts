/** SQL of history retention: the next settled run to delete, and chunked deletes of it. */
import type { RetentionStore } from '../types.js';
import type { Db } from './open.js';

export function createRetentionSql(db: Db): RetentionStore {
  const oldestBefore = db.prepare<[number], { run_id: string }>("SELECT run_id FROM runs WHERE status <> 'running' AND created_at < ? ORDER BY created_at LIMIT 1");
  const oldestAny = db.prepare<[], { run_id: string }>("SELECT run_id FROM runs WHERE status <> 'running' ORDER BY created_at LIMIT 1");
  const deleteJobs = db.prepare('DELETE FROM jobs WHERE job_id IN (SELECT job_id FROM jobs WHERE run_id = ? LIMIT ?)');
  // Only a settled run is deleted; the status test guards against a run reopened meanwhile.
  const deleteRun = db.prepare("DELETE FROM runs WHERE run_id = ? AND status <> 'running' AND NOT EXISTS (SELECT 1 FROM jobs WHERE run_id = ?)");
  const chunk = db.transaction((runId: string, batchJobs: number): { jobs: number; runDone: boolean } => {
    const jobs = deleteJobs.run(runId, batchJobs).changes;
    if (jobs === batchJobs) return { jobs, runDone: false };
    return { jobs, runDone: deleteRun.run(runId, runId).changes === 1 };
  });
  const pragma = (name: string) => db.pragma(name, { simple: true }) as number;
  return {
    oldestSettled: async (before) => (before === null ? oldestAny.get() : oldestBefore.get(before))?.run_id,
    deleteChunk: async (runId, batchJobs) => chunk(runId, batchJobs),
    usedBytes: async () => (pragma('page_count') - pragma('freelist_count')) * pragma('page_size'),
  };
}
