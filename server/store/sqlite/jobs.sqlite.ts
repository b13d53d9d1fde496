/** SQL of the job flow: writes inside a unit of work (runs, jobs, targets, output), the load of open work at start. */
import type { TargetState } from '../../../protocol/jobs.js';
import type { RunSummary, TargetRecord } from '../../../protocol/records.js';
import { isBadOutcome, runStatusOf, type BadOutcome, type SettledRunStatus } from '../../../protocol/states.js';
import type { Db } from './open.js';
import { runSummaryFromSql, type SqlJob, type SqlRun, type SqlTarget } from '../../jobs/jobs.rows.js';
import { emptyCounts } from '../../jobs/live.js';
import { indexText } from '../../history/search-text.js';
import type { JobsStore, JobsWrites, NewJob, NewRun, RunStateCount, TargetWrite } from '../types.js';

const OPEN = "('queued', 'dispatched', 'running')";

/** The count a state adds to (as the trigger of migration 0007 reads it). */
function countClass(state: TargetState): 'open' | 'ok' | 'failed' | 'cancelled' {
  if (state === 'queued' || state === 'dispatched' || state === 'running') return 'open';
  if (state === 'succeeded') return 'ok';
  return state === 'cancelled' ? 'cancelled' : 'failed';
}

export function createJobsSql(db: Db): Readonly<{ writes: JobsWrites; store: JobsStore }> {
  const insertRun =
    db.prepare(`INSERT INTO runs (run_id, kind, source, source_text, requested_by, created_at, finished_at, status, rerun_of, part_of, title, job_count, target_list, verb_list, counts, submission, library_id)
    VALUES (@run_id, @kind, @source, @source_text, @requested_by, @created_at, NULL, 'running', @rerun_of, @part_of, @title, @job_count, @target_list, @verb_list, '{}', @submission, @library_id)`);
  // Halted and awaiting-approval runs are unfinished too (runs.status stays 'running' under a rollout).
  const runningOfLibrary = db.prepare<
    [string],
    { run_id: string; name: string }
  >(`SELECT r.run_id, l.name FROM library l JOIN runs r ON r.library_id = l.id
    WHERE l.id = ? AND l.allow_simultaneous = 0 AND r.finished_at IS NULL ORDER BY r.created_at LIMIT 1`);
  const insertJob =
    db.prepare(`INSERT INTO jobs (job_id, seq, run_id, parent_id, parent_name, parent_sha, job_name, verb, sha, text, args, vars, stdout_arg, stderr_arg, timeout, run_once, skip_cache, parent_async, created_at, updated_at, skipped_reason)
    VALUES (@job_id, @seq, @run_id, @parent_id, @parent_name, @parent_sha, @job_name, @verb, @sha, @text, @args, @vars, @stdout_arg, @stderr_arg, @timeout, @run_once, @skip_cache, @parent_async, @created_at, @created_at, @skipped_reason)`);
  // The per-target statements bind positionally: they run for every (job, target), and binding
  // by name cost a fifth of each statement (about 5 µs).
  const insertTarget =
    db.prepare(`INSERT INTO targets (state, info, exit_code, cached, dispatched_at, started_at, finished_at, execution_time, roundtrip_time, stdout_bytes, stderr_bytes, truncated, job_id, target, run_id, queued_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const updateTarget = db.prepare(`UPDATE targets SET state = ?, info = ?, exit_code = ?, cached = ?, dispatched_at = ?,
    started_at = ?, finished_at = ?, execution_time = ?, roundtrip_time = ?,
    stdout_bytes = ?, stderr_bytes = ?, truncated = ? WHERE job_id = ? AND target = ?`);
  // The submission's counts, written once per job and per (host, run) rather than per target
  // (migration 0007; the trigger on targets keeps them from here on).
  const setJobCounts = db.prepare(
    `UPDATE jobs SET n_targets = ?, n_open = ?, n_ok = ?, n_failed = ?, n_cancelled = ?, ex_sum = ?, ex_n = ?, rt_sum = ?, rt_n = ? WHERE job_id = ?`,
  );
  const addHostRun =
    db.prepare(`INSERT INTO host_runs (target, run_id, created_at, n_targets, n_open, n_ok, n_failed, n_cancelled, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (target, run_id) DO UPDATE SET n_targets = n_targets + excluded.n_targets, n_open = n_open + excluded.n_open, n_ok = n_ok + excluded.n_ok,
      n_failed = n_failed + excluded.n_failed, n_cancelled = n_cancelled + excluded.n_cancelled, last_at = max(coalesce(last_at, 0), coalesce(excluded.last_at, 0))`);
  const insertBlobLink = db.prepare('INSERT INTO job_blobs (job_id, sha) VALUES (?, ?) ON CONFLICT DO NOTHING');
  const touchJob = db.prepare('UPDATE jobs SET updated_at = ? WHERE job_id = ?');
  const settleRun = db.prepare(
    'UPDATE runs SET status = @status, outcome = @outcome, finished_at = @finished_at, counts = @counts WHERE run_id = @run_id',
  );
  // Each host's states that are not success, in run order: the first is what the host came to.
  const unsuccessful = db.prepare<[string], { target: string; state: TargetState }>(
    "SELECT t.target, t.state FROM targets t JOIN jobs j ON j.job_id = t.job_id WHERE t.run_id = ? AND t.state <> 'succeeded' ORDER BY j.seq",
  );
  const insertChunk = db.prepare('INSERT INTO output (job_id, target, stream, seq, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  // Output search (migration 0007): the store indexes each new chunk as it stores it; a trigger removes deleted ones.
  const indexChunk = db.prepare('INSERT INTO output_fts (rowid, data) VALUES (?, ?)');
  const maxSeq = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM jobs');
  const openTargets = db.prepare<[], SqlTarget>(
    `SELECT * FROM targets WHERE job_id IN (SELECT job_id FROM targets WHERE state IN ${OPEN})`,
  );
  const openJobs = db.prepare<[], SqlJob>(
    `SELECT * FROM jobs WHERE job_id IN (SELECT job_id FROM targets WHERE state IN ${OPEN}) ORDER BY seq`,
  );
  const openRuns = db.prepare<[], SqlRun>("SELECT * FROM runs WHERE status = 'running' ORDER BY created_at");
  const openRunCounts = db.prepare<[], RunStateCount>(
    "SELECT run_id, state, COUNT(*) AS n FROM targets WHERE run_id IN (SELECT run_id FROM runs WHERE status = 'running') GROUP BY run_id, state",
  );
  const purgeRuns = db.prepare("DELETE FROM runs WHERE status <> 'running'");
  const countSettledJobs = db.prepare<[], { n: number }>(
    "SELECT COUNT(*) AS n FROM jobs WHERE run_id IN (SELECT run_id FROM runs WHERE status <> 'running')",
  );

  const runRow = db.prepare<[string], SqlRun>('SELECT * FROM runs WHERE run_id = ?');
  const recentLost = db.prepare<[number, number], SqlTarget>(
    "SELECT * FROM targets WHERE state = 'lost' AND finished_at >= ? ORDER BY finished_at DESC LIMIT ?",
  );
  const runStateCounts = db.prepare<[string], { state: TargetState; n: number }>(
    'SELECT state, COUNT(*) AS n FROM targets WHERE run_id = ? GROUP BY state',
  );

  function outcomeOf(runId: string, cancelRequested: boolean): SettledRunStatus {
    const causes = new Map<string, BadOutcome>();
    for (const row of unsuccessful.iterate(runId)) {
      if (!causes.has(row.target) && isBadOutcome(row.state)) causes.set(row.target, row.state);
    }
    return runStatusOf(causes.values(), cancelRequested);
  }

  /** The columns a target's state changes, then its key, in the order both statements above bind them. */
  const runWithState = (statement: typeof updateTarget, t: TargetRecord, jobId: string, ...tail: Array<string | number>) =>
    statement.run(
      t.state,
      t.info,
      t.exitCode,
      t.cached ? 1 : 0,
      t.dispatchedAt,
      t.startedAt,
      t.finishedAt,
      t.executionTime,
      t.roundtripTime,
      t.stdoutBytes,
      t.stderrBytes,
      t.truncated ? 1 : 0,
      jobId,
      t.target,
      ...tail,
    );

  const writes: JobsWrites = {
    insertSubmission(run: NewRun, jobs: readonly NewJob[]): void {
      insertRun.run({
        run_id: run.runId,
        kind: run.kind,
        source: run.source,
        source_text: run.sourceText,
        requested_by: run.requestedBy,
        created_at: run.createdAt,
        rerun_of: run.rerunOf,
        part_of: run.partOf,
        title: run.title,
        job_count: run.jobCount,
        target_list: JSON.stringify(run.targets),
        verb_list: JSON.stringify(run.verbs),
        submission: run.submission,
        library_id: run.libraryId ?? null,
      });
      const hosts = new Map<string, { n: number; open: number; ok: number; failed: number; cancelled: number; last: number }>();
      for (const j of jobs) {
        const d = j.job;
        insertJob.run({
          job_id: d.jobId,
          seq: j.seq,
          run_id: d.runId,
          parent_id: d.parentId,
          parent_name: d.parentName ?? null,
          parent_sha: j.parentSha,
          job_name: d.jobName ?? null,
          verb: d.verb,
          sha: d.sha,
          text: j.text,
          args: JSON.stringify(d.args),
          vars: d.vars ? JSON.stringify(d.vars) : null,
          stdout_arg: d.stdoutArg ?? null,
          stderr_arg: d.stderrArg ?? null,
          timeout: d.timeout,
          run_once: j.runOnce ? 1 : 0,
          skip_cache: d.skipCache ? 1 : 0,
          parent_async: d.parentAsync ? 1 : 0,
          created_at: j.createdAt,
          skipped_reason: j.skippedReason,
        });
        const c = { n: 0, open: 0, ok: 0, failed: 0, cancelled: 0, ex: 0, exn: 0, rt: 0, rtn: 0 };
        for (const t of j.targets) {
          runWithState(insertTarget, t, d.jobId, d.runId, t.queuedAt);
          const k = countClass(t.state);
          c.n++;
          c[k]++;
          if (t.executionTime !== null) {
            c.ex += t.executionTime;
            c.exn++;
          }
          if (t.roundtripTime !== null) {
            c.rt += t.roundtripTime;
            c.rtn++;
          }
          let h = hosts.get(t.target);
          if (!h) hosts.set(t.target, (h = { n: 0, open: 0, ok: 0, failed: 0, cancelled: 0, last: 0 }));
          h.n++;
          h[k]++;
          h.last = Math.max(h.last, t.finishedAt ?? 0);
        }
        setJobCounts.run(c.n, c.open, c.ok, c.failed, c.cancelled, c.ex, c.exn, c.rt, c.rtn, d.jobId);
        for (const sha of j.blobs ?? []) insertBlobLink.run(d.jobId, sha);
      }
      for (const [target, h] of hosts)
        addHostRun.run(target, run.runId, run.createdAt, h.n, h.open, h.ok, h.failed, h.cancelled, h.last || null);
    },
    updateTarget(t: TargetWrite): void {
      runWithState(updateTarget, t, t.jobId);
    },
    touchJob(jobId: string, at: number): void {
      touchJob.run(at, jobId);
    },
    /** Settles a run from its stored target rows (write them first); returns its status. */
    settleRun(
      runId: string,
      cancelRequested: boolean,
      finishedAt: number,
      counts: Readonly<Record<TargetState, number>>,
    ): SettledRunStatus {
      const outcome = outcomeOf(runId, cancelRequested);
      settleRun.run({ run_id: runId, status: storedStatus(outcome), outcome, finished_at: finishedAt, counts: JSON.stringify(counts) });
      return outcome;
    },
    insertChunk(jobId: string, target: string, stream: 'stdout' | 'stderr', seq: number, data: string): boolean {
      const stored = insertChunk.run(jobId, target, stream, seq, data);
      if (stored.changes !== 1) return false;
      indexChunk.run(stored.lastInsertRowid, indexText(data));
      return true;
    },
    runningOfLibrary(libraryId: string) {
      const row = runningOfLibrary.get(libraryId);
      return row ? { runId: row.run_id, name: row.name } : null;
    },
    resettleRun(runId: string): RunSummary | undefined {
      const row = runRow.get(runId);
      if (!row || row.status === 'running') return undefined;
      const counts = emptyCounts();
      for (const c of runStateCounts.all(runId)) counts[c.state] = c.n;
      const outcome = outcomeOf(runId, row.status === 'cancelled');
      const status = storedStatus(outcome);
      settleRun.run({ run_id: runId, status, outcome, finished_at: row.finished_at, counts: JSON.stringify(counts) });
      return runSummaryFromSql({ ...row, status, outcome, counts: JSON.stringify(counts) });
    },
  };

  const purgeSettled = db.transaction((): number => {
    const n = countSettledJobs.get()?.n ?? 0;
    purgeRuns.run();
    return n;
  });

  const store: JobsStore = {
    nextSeq: async () => (maxSeq.get()?.seq ?? 0) + 1,
    recentLost: async (since, limit) => recentLost.all(since, limit),
    loadOpen: async () => ({ runs: openRuns.all(), jobs: openJobs.all(), targets: openTargets.all(), runCounts: openRunCounts.all() }),
    purgeSettled: async () => purgeSettled(),
  };
  return { writes, store };
}

/** The `status` column keeps its four values; `outcome` has the rest. */
function storedStatus(outcome: SettledRunStatus): 'succeeded' | 'failed' | 'cancelled' {
  return outcome === 'timed-out' || outcome === 'lost' ? 'failed' : outcome;
}
