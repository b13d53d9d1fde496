/**
 * Test and bench helper: writes runs of jobs × hosts through the store's own units of work (the
 * same writes the job path makes), so counts, indexes and the output index are kept as in
 * production. Not used by the server.
 */
import type { TargetState } from '../../../../protocol/jobs.js';
import type { TargetRecord } from '../../../../protocol/records.js';
import type { NewJob, NewRun, Store } from '../../types.js';

export const target = (name: string, at: number, state: TargetState = 'queued', extra: Partial<TargetRecord> = {}): TargetRecord => ({
  target: name,
  state,
  info: null,
  exitCode: null,
  cached: false,
  queuedAt: at,
  dispatchedAt: null,
  startedAt: null,
  finishedAt: null,
  executionTime: null,
  roundtripTime: null,
  stdoutBytes: 0,
  stderrBytes: 0,
  truncated: false,
  ...extra,
});

export const newRun = (runId: string, createdAt: number, hosts: readonly string[], jobCount: number, verb = 'RUN'): NewRun => ({
  runId,
  kind: 'orchestrate',
  source: `${runId}.yaml`,
  sourceText: null,
  requestedBy: 'test',
  createdAt,
  rerunOf: null,
  partOf: null,
  title: null,
  jobCount,
  targets: hosts,
  verbs: [verb],
  submission: '{}',
});

export const newJob = (runId: string, jobId: string, seq: number, createdAt: number, hosts: readonly string[], verb = 'RUN'): NewJob => ({
  seq,
  job: {
    jobId,
    runId,
    parentId: runId,
    parentName: `${runId}-parent`,
    verb,
    args: { command: 'true' },
    sha: `sha-${jobId}`,
    timeout: 600,
    skipCache: false,
    parentAsync: false,
  },
  parentSha: null,
  text: `echo ${jobId}`,
  runOnce: false,
  createdAt,
  skippedReason: null,
  targets: hosts.map((h) => target(h, createdAt)),
});

export type FillOptions = Readonly<{
  runs: number;
  jobsPerRun: number;
  hosts: readonly string[];
  startSeq: number;
  startAt: number;
  /** Output line of a (run, job, host); none when it returns null. */
  output?: (run: number, job: number, host: string) => string | null;
  /** Every `failEvery`-th result fails. */
  failEvery?: number;
  prefix?: string;
}>;

/** Fills settled runs; returns the next seq. */
export async function fillHistory(store: Store, o: FillOptions): Promise<number> {
  let seq = o.startSeq;
  let n = 0;
  for (let r = 0; r < o.runs; r++) {
    const runId = `${o.prefix ?? 'run'}-${r}`;
    const at = o.startAt + r * 1000;
    const jobs = Array.from({ length: o.jobsPerRun }, (_, j) => newJob(runId, `${runId}-j${j}`, seq++, at, o.hosts));
    await store.transaction((tx) => tx.jobs.insertSubmission(newRun(runId, at, o.hosts, jobs.length), jobs));
    const counts = { queued: 0, dispatched: 0, running: 0, succeeded: 0, failed: 0, 'timed-out': 0, lost: 0, cancelled: 0 };
    await store.transaction((tx) => {
      for (const [j, job] of jobs.entries()) {
        for (const h of o.hosts) {
          const bad = o.failEvery !== undefined && ++n % o.failEvery === 0;
          const text = o.output?.(r, j, h);
          let bytes = 0;
          if (text) {
            tx.jobs.insertChunk(job.job.jobId, h, bad ? 'stderr' : 'stdout', 0, text);
            bytes = text.length;
          }
          const state = bad ? 'failed' : 'succeeded';
          counts[state]++;
          tx.jobs.updateTarget({
            ...target(h, at, state, {
              exitCode: bad ? 1 : 0,
              startedAt: at,
              finishedAt: at + 5,
              executionTime: 0.005,
              roundtripTime: 0.01,
              [bad ? 'stderrBytes' : 'stdoutBytes']: bytes,
            }),
            jobId: job.job.jobId,
          });
        }
      }
      tx.jobs.settleRun(runId, false, at + 10, counts);
    });
  }
  return seq;
}
