/** Row shapes of `runs`, `jobs` and `targets`, and their mapping to protocol records. */
import { patternSummary } from '../inventory/targets.js';
import type { DispatchedJob, TargetPatterns, TargetState } from '../../protocol/jobs.js';
import type { JobRecord, RunSummary, TargetRecord } from '../../protocol/records.js';
import type { SettledRunStatus } from '../../protocol/states.js';

/** What the `status` column holds: timed-out and lost runs are 'failed' there, their `outcome` says which. */
export type StoredRunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
import { parseJsonObject, parseStringArray } from '../util/json.js';
import { emptyCounts } from './live.js';

export type SqlRun = {
  run_id: string;
  kind: 'exec' | 'orchestrate';
  source: string | null;
  source_text: string | null;
  requested_by: string;
  created_at: number;
  finished_at: number | null;
  status: StoredRunStatus;
  outcome: SettledRunStatus | null;
  part_of: string | null;
  title: string | null;
  rerun_of: string | null;
  job_count: number;
  target_list: string;
  verb_list: string;
  counts: string;
  submission: string;
  /** The Library item the run is of (migration 0014). */
  library_id?: string | null;
};

export type SqlJob = {
  job_id: string;
  seq: number;
  run_id: string;
  parent_id: string;
  parent_name: string | null;
  parent_sha: string | null;
  job_name: string | null;
  verb: string;
  sha: string;
  text: string;
  args: string;
  vars: string | null;
  stdout_arg: string | null;
  stderr_arg: string | null;
  timeout: number;
  run_once: number;
  skip_cache: number;
  parent_async: number;
  created_at: number;
  updated_at: number;
  skipped_reason: string | null;
};

export type SqlTarget = {
  job_id: string;
  target: string;
  run_id: string;
  state: TargetState;
  info: string | null;
  exit_code: number | null;
  cached: number;
  queued_at: number;
  dispatched_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  execution_time: number | null;
  roundtrip_time: number | null;
  stdout_bytes: number;
  stderr_bytes: number;
  truncated: number;
};

export function targetFromSql(r: SqlTarget): TargetRecord {
  return {
    target: r.target,
    state: r.state,
    info: r.info,
    exitCode: r.exit_code,
    cached: r.cached === 1,
    queuedAt: r.queued_at,
    dispatchedAt: r.dispatched_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    executionTime: r.execution_time,
    roundtripTime: r.roundtrip_time,
    stdoutBytes: r.stdout_bytes,
    stderrBytes: r.stderr_bytes,
    truncated: r.truncated === 1,
  };
}

export function jobFromSql(r: SqlJob, targets: readonly TargetRecord[]): JobRecord {
  return {
    jobId: r.job_id,
    runId: r.run_id,
    parentId: r.parent_id,
    parentName: r.parent_name,
    parentSha: r.parent_sha,
    jobName: r.job_name,
    verb: r.verb,
    sha: r.sha,
    text: r.text,
    args: parseJsonObject(r.args),
    timeout: r.timeout,
    runOnce: r.run_once === 1,
    skipCache: r.skip_cache === 1,
    parentAsync: r.parent_async === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    skippedReason: r.skipped_reason,
    targets,
  };
}

/** The job as it is (re)sent to an agent. */
export function dispatchedFromSql(r: SqlJob): DispatchedJob {
  const vars = r.vars ? parseJsonObject(r.vars) : null;
  return {
    jobId: r.job_id,
    runId: r.run_id,
    parentId: r.parent_id,
    ...(r.parent_name !== null ? { parentName: r.parent_name } : {}),
    ...(r.job_name !== null ? { jobName: r.job_name } : {}),
    verb: r.verb,
    args: parseJsonObject(r.args),
    sha: r.sha,
    timeout: r.timeout,
    skipCache: r.skip_cache === 1,
    parentAsync: r.parent_async === 1,
    ...(r.stdout_arg !== null ? { stdoutArg: r.stdout_arg } : {}),
    ...(r.stderr_arg !== null ? { stderrArg: r.stderr_arg } : {}),
    ...(vars && Object.keys(vars).length ? { vars } : {}),
  };
}

export function runSummaryFromSql(r: SqlRun): RunSummary {
  return {
    runId: r.run_id,
    kind: r.kind,
    source: r.source,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    status: r.status === 'running' ? 'running' : (r.outcome ?? r.status),
    jobCount: r.job_count,
    targets: parseStringArray(r.target_list),
    verbs: parseStringArray(r.verb_list),
    counts: { ...emptyCounts(), ...(parseJsonObject(r.counts) as Partial<Record<TargetState, number>>) },
    rerunOf: r.rerun_of,
    partOf: r.part_of,
    title: r.title,
    ...patternOf(r.submission),
  };
}

/** The patterns a run was submitted with, from its stored submission (cheap: most runs have none). */
function patternOf(submission: string): { pattern?: string } {
  // Some reads select a run without its submission.
  if (typeof submission !== 'string' || !submission.includes('"targetPatterns"')) return {};
  const stored = parseJsonObject(submission)['targetPatterns'];
  const pattern = Array.isArray(stored) ? patternSummary(stored as TargetPatterns) : null;
  return pattern ? { pattern } : {};
}
