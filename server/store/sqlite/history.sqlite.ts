/** Read queries for history: runs, jobs with their targets, output, and analysis aggregates. */
import type { ListJobsFilter } from '../../../protocol/records.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';
import type { SqlJob, SqlRun, SqlTarget } from '../../jobs/jobs.rows.js';
import type {
  AnalyzeScope,
  HistoryStore,
  HostRunQuery,
  JobSpan,
  NodeTimes,
  OutputChunkHit,
  OutputSearchQuery,
  RunOutputRow,
  RunQuery,
  SqlHostRun,
  SqlJobCounted,
} from '../types.js';

/** A run query as bound: `status` keeps four values in its column, so the filter binds both. */
type RunPageQuery = RunQuery & Readonly<{ storedStatus: string | null }>;

const FAILED_STATES = "('failed', 'timed-out', 'lost')";

/** The history reads, and (for the query-plan test) every statement a list or search request runs. */
export function createHistorySql(db: Db): HistoryStore & Readonly<{ perRequest: Readonly<Record<string, Statement>> }> {
  const getRun = db.prepare<[string], SqlRun>('SELECT * FROM runs WHERE run_id = ?');
  // Keyset pages: (created_at, run_id) below the cursor, newest first, served by runs_page(_by_status).
  const runText = `(@text IS NULL OR r.run_id = @text OR r.source LIKE @text ESCAPE '\\' OR r.source_text LIKE @text ESCAPE '\\'
           OR EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = r.run_id
                      AND (j.text LIKE @text ESCAPE '\\' OR j.job_name LIKE @text ESCAPE '\\' OR j.parent_name LIKE @text ESCAPE '\\')))`;
  // A halted or awaiting-approval run is a running run whose rollout says so (issue #17).
  const rolloutIs = `(r.status = 'running' AND EXISTS (SELECT 1 FROM rollouts ro WHERE ro.run_id = r.run_id AND ro.state = @status))`;
  const runWhere = `(@requestedBy IS NULL OR r.requested_by = @requestedBy)
      AND (@since IS NULL OR r.created_at >= @since)
      AND (@until IS NULL OR r.created_at <= @until)
      AND (@before IS NULL OR r.created_at < @before OR (@beforeRun IS NOT NULL AND r.created_at = @before AND r.run_id < @beforeRun))
      AND (@verb IS NULL OR EXISTS (SELECT 1 FROM jobs j WHERE j.verb = @verb AND j.run_id = r.run_id))
      AND ${runText}`;
  const listRunsAll = db.prepare<RunPageQuery, SqlRun>(
    `SELECT r.* FROM runs r INDEXED BY runs_page WHERE ${runWhere} ORDER BY r.created_at DESC, r.run_id DESC LIMIT @limit`,
  );
  const listRunsByStatus = db.prepare<RunPageQuery, SqlRun>(
    `SELECT r.* FROM runs r INDEXED BY runs_page_by_status WHERE r.status = @storedStatus AND (COALESCE(r.outcome, r.status) = @status OR ${rolloutIs}) AND ${runWhere} ORDER BY r.created_at DESC, r.run_id DESC LIMIT @limit`,
  );
  // A host's runs come from host_runs (one row per host and run), not from its target rows.
  const listRunsByTarget = db.prepare<
    RunPageQuery,
    SqlRun
  >(`SELECT r.* FROM host_runs h INDEXED BY host_runs_page JOIN runs r ON r.run_id = h.run_id
    WHERE h.target = @target AND (@status IS NULL OR COALESCE(r.outcome, r.status) = @status OR ${rolloutIs}) AND (@requestedBy IS NULL OR r.requested_by = @requestedBy)
      AND (@since IS NULL OR h.created_at >= @since) AND (@until IS NULL OR h.created_at <= @until)
      AND (@before IS NULL OR h.created_at < @before OR (@beforeRun IS NOT NULL AND h.created_at = @before AND h.run_id < @beforeRun))
      AND (@verb IS NULL OR EXISTS (SELECT 1 FROM jobs j WHERE j.verb = @verb AND j.run_id = r.run_id))
      AND ${runText}
    ORDER BY h.created_at DESC, h.run_id DESC LIMIT @limit`);
  const jobsOfRun = db.prepare<[string], SqlJob>('SELECT * FROM jobs WHERE run_id = ? ORDER BY seq');
  const targetsOfRun = db.prepare<[string], SqlTarget>('SELECT * FROM targets WHERE run_id = ? ORDER BY rowid');
  const getJob = db.prepare<[string], SqlJob>('SELECT * FROM jobs WHERE job_id = ?');
  const lastJob = db.prepare<[], SqlJob>('SELECT * FROM jobs ORDER BY seq DESC LIMIT 1');
  const jobsByIds = db.prepare<[string], SqlJob>('SELECT * FROM jobs WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY seq');
  const targetsByJobIds = db.prepare<[string], SqlTarget>(
    'SELECT * FROM targets WHERE job_id IN (SELECT value FROM json_each(?)) ORDER BY rowid',
  );
  // Newest first below a seq cursor; a filter walks its partial index, so a rare state is found without a scan.
  const pageWhere = '(@before IS NULL OR j.seq < @before)';
  const pageJobs: Record<ListJobsFilter | 'all', Statement<{ before: number | null; limit: number }, SqlJobCounted>> = {
    all: db.prepare(`SELECT * FROM jobs j WHERE ${pageWhere} ORDER BY j.seq DESC LIMIT @limit`),
    success: db.prepare(
      `SELECT * FROM jobs j INDEXED BY jobs_ok_by_seq WHERE j.n_ok > 0 AND ${pageWhere} ORDER BY j.seq DESC LIMIT @limit`,
    ),
    failed: db.prepare(
      `SELECT * FROM jobs j INDEXED BY jobs_failed_by_seq WHERE j.n_failed > 0 AND ${pageWhere} ORDER BY j.seq DESC LIMIT @limit`,
    ),
    processing: db.prepare(
      `SELECT * FROM jobs j INDEXED BY jobs_open_by_seq WHERE j.n_open > 0 AND ${pageWhere} ORDER BY j.seq DESC LIMIT @limit`,
    ),
  };
  const jobSeq = db.prepare<[string], { seq: number }>('SELECT seq FROM jobs WHERE job_id = ?');
  const hostRunCols =
    'h.target, h.run_id, h.created_at, h.n_targets, h.n_open, h.n_ok, h.n_failed, h.n_cancelled, h.last_at, r.kind, r.source, COALESCE(r.outcome, r.status) AS status';
  const hostRunWhere =
    'h.target = @target AND (@before IS NULL OR h.created_at < @before OR (@beforeRun IS NOT NULL AND h.created_at = @before AND h.run_id < @beforeRun))';
  const hostRuns = db.prepare<HostRunQuery, SqlHostRun>(
    `SELECT ${hostRunCols} FROM host_runs h INDEXED BY host_runs_page JOIN runs r ON r.run_id = h.run_id WHERE ${hostRunWhere} ORDER BY h.created_at DESC, h.run_id DESC LIMIT @limit`,
  );
  const hostFailures = db.prepare<HostRunQuery, SqlHostRun>(
    `SELECT ${hostRunCols} FROM host_runs h INDEXED BY host_runs_failures JOIN runs r ON r.run_id = h.run_id WHERE h.n_failed > 0 AND ${hostRunWhere} ORDER BY h.created_at DESC, h.run_id DESC LIMIT @limit`,
  );
  // The index answers the match newest chunk first; each hit is one lookup of its row and job.
  const searchOutput = db.prepare<OutputSearchQuery, OutputChunkHit>(`
    SELECT DISTINCT o.job_id, o.target, o.stream, j.run_id, j.verb, j.created_at
    FROM output_fts f JOIN output o ON o.rowid = f.rowid JOIN jobs j ON j.job_id = o.job_id
    WHERE output_fts MATCH @fts
      AND (@since IS NULL OR j.created_at >= @since)
      AND (@verb IS NULL OR j.verb = @verb)
      AND (@runId IS NULL OR j.run_id = @runId)
      AND (@host IS NULL OR o.target LIKE @host ESCAPE '\\')
    ORDER BY f.rowid DESC LIMIT @limit`);
  const streamText = db.prepare<[string, string, string], { data: string }>(
    'SELECT data FROM output WHERE job_id = ? AND target = ? AND stream = ? ORDER BY seq',
  );
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

  const perRequest: Record<string, Statement> = {
    getRun,
    listRunsAll,
    listRunsByStatus,
    listRunsByTarget,
    jobsOfRun,
    targetsOfRun,
    getJob,
    lastJob,
    jobsByIds,
    targetsByJobIds,
    ...Object.fromEntries(Object.entries(pageJobs).map(([k, st]) => [`pageJobs.${k}`, st])),
    jobSeq,
    hostRuns,
    hostFailures,
    searchOutput,
    streamText,
    getTarget,
    output,
    runOutput,
  };

  return {
    perRequest,
    getRun: async (runId) => getRun.get(runId),
    // `status` keeps four values (its index serves the filter); timed-out and lost are in `outcome` (migration 0006).
    listRuns: async (q) =>
      (q.target !== null ? listRunsByTarget : q.status !== null ? listRunsByStatus : listRunsAll).all({
        ...q,
        storedStatus:
          q.status === 'timed-out' || q.status === 'lost'
            ? 'failed'
            : q.status === 'halted' || q.status === 'awaiting-approval'
              ? 'running'
              : q.status,
      }),
    jobsOfRun: async (runId) => jobsOfRun.all(runId),
    targetsOfRun: async (runId) => targetsOfRun.all(runId),
    getJob: async (jobId) => getJob.get(jobId),
    lastJob: async () => lastJob.get(),
    jobsByIds: async (ids) => jobsByIds.all(JSON.stringify(ids)),
    targetsByJobIds: async (ids) => targetsByJobIds.all(JSON.stringify(ids)),
    pageJobs: async (filter, before, limit) => pageJobs[filter ?? 'all'].all({ before, limit }),
    jobSeq: async (jobId) => jobSeq.get(jobId)?.seq,
    hostRuns: async (q) => (q.failures ? hostFailures : hostRuns).all(q),
    searchOutput: async (q) => searchOutput.all(q),
    streamText: async (jobId, target, stream) =>
      streamText
        .all(jobId, target, stream)
        .map((r) => r.data)
        .join(''),
    getTarget: async (jobId, target) => getTarget.get(jobId, target),
    output: async (jobId, target) => output.all(jobId, target),
    // Lazily, so a caller that stops early reads no further (SQLite steps the statement per row).
    async runOutput(runId, target, after, pageChars) {
      const rows: RunOutputRow[] = [];
      let chars = 0;
      for (const row of runOutput.iterate(target, runId, after)) {
        // A page ends only between jobs, so it never splits one.
        if (chars >= pageChars && rows.length && rows[rows.length - 1]!.job_id !== row.job_id) return { rows, more: true };
        rows.push(row);
        chars += row.data.length;
      }
      return { rows, more: false };
    },
    nodeTimes: async (scope, id) => nodeTimes[scope].all({ id }),
    span: async (scope, id) => spans[scope].get({ id }),
  };
}
