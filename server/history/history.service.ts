/** Read models for the CLI and console, with live counts for runs still open. */
import type {
  HostHistory,
  HostRun,
  JobOutput,
  JobPage,
  JobRecord,
  JobSummary,
  ListJobsFilter,
  OutputHit,
  OutputSearch,
  RunDetail,
  RunFilter,
  RunOutputPage,
  RunSummary,
  TargetRecord,
} from '../../protocol/records.js';
import type { AnalysisRow } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { jobFromSql, runSummaryFromSql, targetFromSql, type SqlJob, type SqlRun, type SqlTarget } from '../jobs/jobs.rows.js';
import type { HostHistoryRequest, OutputSearchRequest } from '../../protocol/ui-events.js';
import type { AnalyzeScope, HistoryStore, SqlHostRun, SqlJobCounted } from '../store/types.js';
import { indexText, lineMatches, parseSearch } from './search-text.js';

export type HistoryService = ReturnType<typeof createHistoryService>;

/** Characters of output per `runs:output` page (about 1 MB of text): a few pages open a 1000-job run of chatty hosts. */
export const RUN_OUTPUT_PAGE_CHARS = 1_000_000;

/** A hit's line is cut here (a 1 MB line of minified output is not shown whole). */
const MAX_HIT_CHARS = 2000;

/** `web-*`, `db?` as a LIKE pattern; every other character literal. */
const globToLike = (glob: string) =>
  glob
    .replace(/[\\%_]/g, (c) => '\\' + c)
    .replace(/\*/g, '%')
    .replace(/\?/g, '_');

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
const clampLimit = (limit: number | undefined, def: number, max: number) => Math.max(1, Math.min(max, Math.floor(limit ?? def)));

export function jobSummaryFromSql(r: SqlJobCounted): JobSummary {
  const { targets: _none, ...job } = jobFromSql(r, []);
  return {
    ...job,
    counts: {
      targets: r.n_targets,
      open: r.n_open,
      succeeded: r.n_ok,
      failed: r.n_failed,
      cancelled: r.n_cancelled,
      executionTime: r.ex_n > 0 ? r.ex_sum / r.ex_n : null,
      roundtripTime: r.rt_n > 0 ? r.rt_sum / r.rt_n : null,
    },
  };
}

function hostRunFromSql(r: SqlHostRun): HostRun {
  return {
    runId: r.run_id,
    kind: r.kind,
    source: r.source,
    status: r.status,
    createdAt: r.created_at,
    lastAt: r.last_at || null,
    targets: r.n_targets,
    open: r.n_open,
    succeeded: r.n_ok,
    failed: r.n_failed,
    cancelled: r.n_cancelled,
  };
}

export function createHistoryService(deps: Readonly<{ repo: HistoryStore; liveRun: (runId: string) => RunSummary | undefined }>) {
  const { repo } = deps;

  const summary = (r: SqlRun): RunSummary =>
    r.status === 'running' ? (deps.liveRun(r.run_id) ?? runSummaryFromSql(r)) : runSummaryFromSql(r);

  function withTargets(jobs: readonly SqlJob[], targets: readonly SqlTarget[]): JobRecord[] {
    const byJob = new Map<string, TargetRecord[]>();
    for (const t of targets) {
      let list = byJob.get(t.job_id);
      if (!list) byJob.set(t.job_id, (list = []));
      list.push(targetFromSql(t));
    }
    return jobs.map((j) => jobFromSql(j, byJob.get(j.job_id) ?? []));
  }

  async function jobsByIds(ids: readonly string[]): Promise<JobRecord[]> {
    const jobs = await repo.jobsByIds(ids);
    return withTargets(jobs, await repo.targetsByJobIds(jobs.map((j) => j.job_id)));
  }

  async function analysis(id: string, scope: AnalyzeScope): Promise<AnalysisRow[] | null> {
    const span = await repo.span(scope, id);
    if (!span || span.n === 0) return null;
    const nodes = await repo.nodeTimes(scope, id);
    const withEx = nodes.filter((n) => n.exn > 0);
    const withRt = nodes.filter((n) => n.rtn > 0);
    const pick = (list: typeof nodes, key: 'ex' | 'rt', better: (a: number, b: number) => boolean) =>
      list.reduce<(typeof nodes)[number] | null>((best, n) => (best === null || better(n[key] ?? 0, best[key] ?? 0) ? n : best), null)
        ?.target ?? '';
    const combined = withEx.reduce((s, n) => s + (n.ex ?? 0), 0);
    return [
      ['ID', id],
      ['ACTUAL_RUNTIME', ((span.last_updated ?? 0) - (span.first_created ?? 0)) / 1000],
      ['COMBINED_EXECUTION_TIME', combined],
      ['FASTEST_NODE_EXECUTION', pick(withEx, 'ex', (a, b) => a < b)],
      ['FASTEST_NODE_ROUNDTRIP', pick(withRt, 'rt', (a, b) => a < b)],
      ['SLOWEST_NODE_EXECUTION', pick(withEx, 'ex', (a, b) => a > b)],
      ['SLOWEST_NODE_ROUNDTRIP', pick(withRt, 'rt', (a, b) => a > b)],
      ['TOTAL_AVG_EXECUTION_TIME', combined / span.n],
      ['TOTAL_FAILURES', nodes.reduce((s, n) => s + n.bad, 0)],
      ['TOTAL_JOBS', span.n],
      ['TOTAL_NODE_COUNT', nodes.filter((n) => n.exn > 0 || n.rtn > 0).length],
      ['TOTAL_SUCCESSES', nodes.reduce((s, n) => s + n.ok, 0)],
    ];
  }

  return {
    async listRuns(filter: RunFilter): Promise<RunSummary[]> {
      const rows = await repo.listRuns({
        status: filter.status ?? null,
        target: filter.target ?? null,
        verb: filter.verb ? filter.verb.toUpperCase() : null,
        text: filter.text ? likePattern(filter.text) : null,
        requestedBy: filter.requestedBy ?? null,
        since: filter.since ?? null,
        until: filter.until ?? null,
        before: filter.before ?? null,
        beforeRun: filter.before !== undefined ? (filter.beforeRun ?? null) : null,
        limit: clampLimit(filter.limit, 50, 1000),
      });
      return rows.map(summary);
    },
    async getRun(runId: string): Promise<Result<RunDetail>> {
      const row = await repo.getRun(runId);
      if (!row) return fail('not-found', `no run ${runId}`);
      return ok({
        ...summary(row),
        sourceText: row.source_text,
        jobs: withTargets(await repo.jobsOfRun(runId), await repo.targetsOfRun(runId)),
      });
    },
    /** The stored submission of a run (for re-runs), with its jobs in submission order. */
    async submissionOf(runId: string): Promise<Result<{ run: SqlRun; jobs: JobRecord[] }>> {
      const row = await repo.getRun(runId);
      if (!row) return fail('not-found', `no run ${runId}`);
      return ok({ run: row, jobs: withTargets(await repo.jobsOfRun(runId), await repo.targetsOfRun(runId)) });
    },
    async getJob(jobId: string): Promise<Result<JobRecord>> {
      const row = jobId === 'last' ? await repo.lastJob() : await repo.getJob(jobId);
      if (!row) return fail('not-found', jobId === 'last' ? 'no jobs yet' : `no job ${jobId}`);
      return ok(withTargets([row], await repo.targetsByJobIds([row.job_id]))[0] as JobRecord);
    },
    jobsByIds,
    /** Whole records of the newest `limit` jobs (older than job `after`), oldest first: for export and scripts. */
    async listJobs(filter: ListJobsFilter | undefined, limit: number | undefined, after?: string): Promise<Result<JobRecord[]>> {
      const before = after === undefined ? null : await repo.jobSeq(after);
      if (before === undefined) return fail('not-found', `no job ${after}`);
      const jobs = (await repo.pageJobs(filter ?? null, before, clampLimit(limit, 1000, 100_000))).reverse();
      return ok(withTargets(jobs, await repo.targetsByJobIds(jobs.map((j) => j.job_id))));
    },
    /** A page of jobs newest first with their counts: no target row is read. */
    async pageJobs(filter: ListJobsFilter | undefined, limit: number | undefined, after: string | undefined): Promise<Result<JobPage>> {
      const before = after === undefined ? null : await repo.jobSeq(after);
      if (before === undefined) return fail('not-found', `no job ${after} (deleted by retention or purge?)`);
      const n = clampLimit(limit, 1000, 10_000);
      const rows = await repo.pageJobs(filter ?? null, before, n + 1);
      const page = rows.slice(0, n);
      return ok({ jobs: page.map(jobSummaryFromSql), next: rows.length > n ? (page[page.length - 1]?.job_id ?? null) : null });
    },
    /** A host's runs newest first (the Hosts page, `manage --host-history`). */
    async hostHistory(request: HostHistoryRequest): Promise<HostHistory> {
      const n = clampLimit(request.limit, 20, 1000);
      // A run id alone is a cursor too (the CLI's --after RUN_ID): its creation time completes it.
      const before =
        request.before ?? (request.beforeRun !== undefined ? ((await repo.getRun(request.beforeRun))?.created_at ?? null) : null);
      const rows = await repo.hostRuns({
        target: request.target,
        failures: request.failures === true,
        before,
        beforeRun: before !== null ? (request.beforeRun ?? null) : null,
        limit: n + 1,
      });
      const page = rows.slice(0, n);
      const last = page[page.length - 1];
      return {
        target: request.target,
        runs: page.map(hostRunFromSql),
        next: rows.length > n && last ? { before: last.created_at, beforeRun: last.run_id } : null,
      };
    },
    /** Output lines matching `text`, newest jobs first; a query that cannot be read is `invalid` with what to write instead. */
    async searchOutput(request: OutputSearchRequest): Promise<Result<OutputSearch>> {
      const parsed = parseSearch(request.text);
      if (!parsed.ok) return fail('invalid-payload', `output search: ${parsed.message}`);
      const limit = clampLimit(request.limit, 100, 1000);
      let chunks;
      try {
        chunks = await repo.searchOutput({
          fts: parsed.fts,
          since: request.since ?? null,
          host: request.host ? globToLike(request.host) : null,
          verb: request.verb ? request.verb.toUpperCase() : null,
          runId: request.runId ?? null,
          limit: limit + 1,
        });
      } catch {
        // Only a query this parser let through could be refused; say so plainly, without FTS5's syntax.
        return fail('invalid-payload', `output search could not read ${JSON.stringify(request.text)}: use words, "a phrase" or prefix*`);
      }
      const hits: OutputHit[] = [];
      let truncated = chunks.length > limit;
      for (const c of chunks.slice(0, limit)) {
        const lines = indexText(await repo.streamText(c.job_id, c.target, c.stream)).split('\n');
        for (let i = 0; i < lines.length; i++) {
          const text = lines[i]!.replace(/\r$/, '');
          if (!lineMatches(text, parsed.terms)) continue;
          if (hits.length === limit) {
            truncated = true;
            break;
          }
          hits.push({
            runId: c.run_id,
            jobId: c.job_id,
            verb: c.verb,
            target: c.target,
            stream: c.stream,
            line: i + 1,
            text: text.length > MAX_HIT_CHARS ? text.slice(0, MAX_HIT_CHARS) + '…' : text,
            createdAt: c.created_at,
          });
        }
        if (hits.length === limit && truncated) break;
      }
      return ok({ hits, truncated });
    },
    async output(jobId: string, target: string): Promise<Result<JobOutput>> {
      const t = await repo.getTarget(jobId, target);
      if (!t) return fail('not-found', `no target ${target} for job ${jobId}`);
      const parts = { stdout: [] as string[], stderr: [] as string[] };
      for (const row of await repo.output(jobId, target)) parts[row.stream].push(row.data);
      return ok({ jobId, target, stdout: parts.stdout.join(''), stderr: parts.stderr.join(''), truncated: t.truncated === 1 });
    },
    /** `target`'s output in `runId`: whole jobs, in order, until a page holds RUN_OUTPUT_PAGE_CHARS (at least one job). */
    async runOutput(runId: string, target: string, after: number): Promise<Result<RunOutputPage>> {
      if (!(await repo.getRun(runId))) return fail('not-found', `no run ${runId}`);
      const page = await repo.runOutput(runId, target, after, RUN_OUTPUT_PAGE_CHARS);
      const jobs: Array<{ jobId: string; stdout: string; stderr: string }> = [];
      let current = null as { jobId: string; stdout: string[]; stderr: string[] } | null;
      for (const row of page.rows) {
        if (current?.jobId !== row.job_id) {
          if (current) jobs.push({ jobId: current.jobId, stdout: current.stdout.join(''), stderr: current.stderr.join('') });
          current = { jobId: row.job_id, stdout: [], stderr: [] };
        }
        current[row.stream].push(row.data);
      }
      if (current) jobs.push({ jobId: current.jobId, stdout: current.stdout.join(''), stderr: current.stderr.join('') });
      const next = page.more ? (page.rows[page.rows.length - 1]?.seq ?? null) : null;
      return ok({ runId, target, jobs, next });
    },
    analyzeParent: async (parentId: string): Promise<AnalysisRow[]> =>
      (await analysis(parentId, 'parent')) ?? [['PARENT_ID_NOT_FOUND', parentId]],
    analyzeJob: async (jobId: string): Promise<AnalysisRow[]> => (await analysis(jobId, 'job')) ?? [['JOB_ID_NOT_FOUND', jobId]],
    analyzeAll: async (): Promise<AnalysisRow[]> => (await analysis('All-Jobs', 'all')) ?? [['NO_JOBS_FOUND', 'All-Jobs']],
  };
}
