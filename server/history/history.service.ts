/** Read models for the CLI and console, with live counts for runs still open. */
import type { JobOutput, JobRecord, ListJobsFilter, RunDetail, RunFilter, RunOutputPage, RunSummary, TargetRecord } from '../../protocol/records.js';
import type { AnalysisRow } from '../../protocol/records.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { jobFromSql, runSummaryFromSql, targetFromSql, type SqlJob, type SqlRun, type SqlTarget } from '../jobs/jobs.rows.js';
import type { AnalyzeScope, HistoryStore } from '../store/types.js';

export type HistoryService = ReturnType<typeof createHistoryService>;

/** Characters of output per `runs:output` page (about 1 MB of text): a few pages open a 1000-job run of chatty hosts. */
export const RUN_OUTPUT_PAGE_CHARS = 1_000_000;

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
const clampLimit = (limit: number | undefined, def: number, max: number) => Math.max(1, Math.min(max, Math.floor(limit ?? def)));

export function createHistoryService(deps: Readonly<{ repo: HistoryStore; liveRun: (runId: string) => RunSummary | undefined }>) {
  const { repo } = deps;

  const summary = (r: SqlRun): RunSummary => (r.status === 'running' ? (deps.liveRun(r.run_id) ?? runSummaryFromSql(r)) : runSummaryFromSql(r));

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
      list.reduce<(typeof nodes)[number] | null>((best, n) => (best === null || better(n[key] ?? 0, best[key] ?? 0) ? n : best), null)?.target ?? '';
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
          limit: clampLimit(filter.limit, 50, 1000),
      });
      return rows.map(summary);
    },
    async getRun(runId: string): Promise<Result<RunDetail>> {
      const row = await repo.getRun(runId);
      if (!row) return fail('not-found', `no run ${runId}`);
      return ok({ ...summary(row), sourceText: row.source_text, jobs: withTargets(await repo.jobsOfRun(runId), await repo.targetsOfRun(runId)) });
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
    async listJobs(filter: ListJobsFilter | undefined, limit: number | undefined): Promise<JobRecord[]> {
      const jobs = await repo.listJobs(filter ?? null, clampLimit(limit, 1000, 100_000));
      return withTargets(jobs, await repo.targetsByJobIds(jobs.map((j) => j.job_id)));
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
      type Open = { seq: number; jobId: string; stdout: string[]; stderr: string[] };
      const done = (j: Open) => ({ jobId: j.jobId, stdout: j.stdout.join(''), stderr: j.stderr.join('') });
      const jobs: Array<{ jobId: string; stdout: string; stderr: string }> = [];
      let current = null as Open | null;
      let chars = 0;
      let next: number | null = null;
      for await (const row of repo.runOutput(runId, target, after)) {
        if (current?.jobId !== row.job_id) {
          if (current) {
            jobs.push(done(current));
            // A page ends only between jobs, so it never splits one.
            if (chars >= RUN_OUTPUT_PAGE_CHARS) {
              next = current.seq;
              current = null;
              break;
            }
          }
          current = { seq: row.seq, jobId: row.job_id, stdout: [], stderr: [] };
        }
        current[row.stream].push(row.data);
        chars += row.data.length;
      }
      if (current) jobs.push(done(current));
      return ok({ runId, target, jobs, next });
    },
    analyzeParent: async (parentId: string): Promise<AnalysisRow[]> => (await analysis(parentId, 'parent')) ?? [['PARENT_ID_NOT_FOUND', parentId]],
    analyzeJob: async (jobId: string): Promise<AnalysisRow[]> => (await analysis(jobId, 'job')) ?? [['JOB_ID_NOT_FOUND', jobId]],
    analyzeAll: async (): Promise<AnalysisRow[]> => (await analysis('All-Jobs', 'all')) ?? [['NO_JOBS_FOUND', 'All-Jobs']],
  };
}
