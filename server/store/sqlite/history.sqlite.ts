/** Read queries for history: runs, jobs with their targets, output, and analysis aggregates. */
import type { ListJobsFilter } from '../../../protocol/records.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';
import type { SqlJob, SqlRun, SqlTarget } from '../../jobs/jobs.rows.js';
import type { AnalyzeScope, HistoryStore, JobSpan, NodeTimes, RunOutputRow, RunQuery } from '../types.js';

const FAILED_STATES = "('failed', 'timed-out', 'lost')";

export function createHistorySql(db: Db): HistoryStore {
  const getRun = db.prepare<[string], SqlRun>('SELECT * FROM runs WHERE run_id = ?');
  const listRuns = db.prepare<RunQuery, SqlRun>(`
    SELECT * FROM runs r
    WHERE (@status IS NULL OR r.status = @status
           OR (r.status = 'running' AND EXISTS (SELECT 1 FROM rollouts ro WHERE ro.run_id = r.run_id AND ro.state = @status)))
      AND (@since IS NULL OR r.created_at >= @since)
      AND (@until IS NULL OR r.created_at <= @until)
      AND (@before IS NULL OR r.created_at < @before)
      AND (@target IS NULL OR EXISTS (SELECT 1 FROM targets t WHERE t.target = @target AND t.run_id = r.run_id))
      AND (@verb IS NULL OR EXISTS (SELECT 1 FROM jobs j WHERE j.verb = @verb AND j.run_id = r.run_id))
      AND (@text IS NULL OR r.run_id = @text OR r.source LIKE @text ESCAPE '\\' OR r.source_text LIKE @text ESCAPE '\\'
           OR EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = r.run_id
                      AND (j.text LIKE @text ESCAPE '\\' OR j.job_name LIKE @text ESCAPE '\\' OR j.parent_name LIKE @text ESCAPE '\\')))
    ORDER BY r.created_at DESC, r.run_id DESC
    LIMIT @limit`);
  const jobsOfRun = db.prepare<[string], SqlJob>('SELECT * FROM jobs WHERE run_id = ? ORDER BY seq');
  const targetsOfRun = db.prepare<[string], SqlTarget>('SELECT * FROM targets WHERE run_id = ? ORDER BY rowid');
  const getJob = db.prepare<[string], SqlJob>('SELECT * FROM jobs WHERE job_id = ?');
  const lastJob = db.prepare<[], SqlJob>('SELECT * FROM jobs ORDER BY seq DESC LIMIT 1');
  const jobsByIds = db.prepare<[string], SqlJob>('SELECT * FROM jobs WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY seq');
  const targetsByJobIds = db.prepare<[string], SqlTarget>('SELECT * FROM targets WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY rowid');
  const listJobs = db.prepare<{ filter: ListJobsFilter | null; limit: number }, SqlJob>(`
    SELECT * FROM (
      SELECT * FROM jobs j
      WHERE @filter IS NULL
         OR (@filter = 'success' AND EXISTS (SELECT 1 FROM targets t WHERE t.job_id = j.job_id AND t.state = 'succeeded'))
         OR (@filter = 'failed' AND EXISTS (SELECT 1 FROM targets t WHERE t.job_id = j.job_id AND t.state IN ${FAILED_STATES}))
         OR (@filter = 'processing' AND EXISTS (SELECT 1 FROM targets t WHERE t.job_id = j.job_id AND t.state IN ('queued', 'dispatched', 'running')))
      ORDER BY j.seq DESC LIMIT @limit
    ) ORDER BY seq`);
  const getTarget = db.prepare<[string, string], SqlTarget>('SELECT * FROM targets WHERE job_id = ? AND target = ?');
  const output = db.prepare<[string, string], { stream: 'stdout' | 'stderr'; data: string }>(
    'SELECT stream, data FROM output WHERE job_id = ? AND target = ? ORDER BY stream, seq',
  );
  const runOutput = db.prepare<[string, string, number], RunOutputRow>(
    'SELECT j.seq, o.job_id, o.stream, o.data FROM jobs j JOIN output o ON o.job_id = j.job_id AND o.target = ? WHERE j.run_id = ? AND j.seq > ? ORDER BY j.seq, o.stream, o.seq',
  );

  const scopes: Record<AnalyzeScope, string> = { parent: 'j.parent_id = @id', job: 'j.job_id = @id', all: '@id IS NOT NULL' };
  const nodeTimes = Object.fromEntries(
    Object.entries(scopes).map(([k, where]) => [
      k,
      db.prepare<{ id: string }, NodeTimes>(`
        SELECT t.target, SUM(t.execution_time) AS ex, COUNT(t.execution_time) AS exn, SUM(t.roundtrip_time) AS rt, COUNT(t.roundtrip_time) AS rtn,
               SUM(t.state = 'succeeded') AS ok, SUM(t.state IN ${FAILED_STATES} OR t.state = 'cancelled') AS bad
        FROM targets t JOIN jobs j ON j.job_id = t.job_id WHERE ${where} GROUP BY t.target ORDER BY t.target`),
    ]),
  ) as Record<AnalyzeScope, Statement<{ id: string }, NodeTimes>>;
  const spans = Object.fromEntries(
    Object.entries(scopes).map(([k, where]) => [
      k,
      db.prepare<{ id: string }, JobSpan>(`
        SELECT (SELECT COUNT(*) FROM jobs j WHERE ${where}) AS n,
               (SELECT j.created_at FROM jobs j WHERE ${where} ORDER BY j.seq LIMIT 1) AS first_created,
               (SELECT j.updated_at FROM jobs j WHERE ${where} ORDER BY j.seq DESC LIMIT 1) AS last_updated`),
    ]),
  ) as Record<AnalyzeScope, Statement<{ id: string }, JobSpan>>;

  return {
    getRun: async (runId) => getRun.get(runId),
    listRuns: async (q) => listRuns.all(q),
    jobsOfRun: async (runId) => jobsOfRun.all(runId),
    targetsOfRun: async (runId) => targetsOfRun.all(runId),
    getJob: async (jobId) => getJob.get(jobId),
    lastJob: async () => lastJob.get(),
    jobsByIds: async (ids) => jobsByIds.all(JSON.stringify(ids)),
    targetsByJobIds: async (ids) => targetsByJobIds.all(JSON.stringify(ids)),
    listJobs: async (filter, limit) => listJobs.all({ filter, limit }),
    getTarget: async (jobId, target) => getTarget.get(jobId, target),
    output: async (jobId, target) => output.all(jobId, target),
    // Lazily, so a caller that stops early reads no further (SQLite steps the statement per row).
    async *runOutput(runId, target, after) {
      yield* runOutput.iterate(target, runId, after);
    },
    nodeTimes: async (scope, id) => nodeTimes[scope].all({ id }),
    span: async (scope, id) => spans[scope].get({ id }),
  };
}
