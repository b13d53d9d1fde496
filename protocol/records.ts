/** Read models the server returns to the CLI and console. */
import type { TargetState } from './jobs.js';
import type { ComponentManifest } from './agents.js';
import type { RunStatus } from './states.js';
import type { RunRollout } from './rollouts.js';

export type TargetRecord = Readonly<{
  target: string;
  state: TargetState;
  info: string | null;
  exitCode: number | null;
  cached: boolean;
  /** Epoch ms (server clock) of each transition; null until reached. */
  queuedAt: number;
  dispatchedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Seconds spent in the component on the agent. */
  executionTime: number | null;
  /** Seconds from job creation to the final result arriving at the server. */
  roundtripTime: number | null;
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
}>;

export type JobRecord = Readonly<{
  jobId: string;
  runId: string;
  parentId: string;
  parentName: string | null;
  parentSha: string | null;
  jobName: string | null;
  verb: string;
  sha: string;
  text: string;
  args: Readonly<Record<string, unknown>>;
  timeout: number;
  runOnce: boolean;
  skipCache: boolean;
  parentAsync: boolean;
  createdAt: number;
  updatedAt: number;
  /** Set when the job was not sent at all (restrict filter, unknown target). */
  skippedReason: string | null;
  targets: readonly TargetRecord[];
}>;

export type RunSummary = Readonly<{
  runId: string;
  kind: 'exec' | 'orchestrate';
  source: string | null;
  requestedBy: string;
  createdAt: number;
  finishedAt: number | null;
  status: RunStatus;
  jobCount: number;
  targets: readonly string[];
  verbs: readonly string[];
  counts: Readonly<Record<TargetState, number>>;
  rerunOf: string | null;
  /** The run this one was started by (the server's internal ARG run of a QUERY job), or null. */
  partOf: string | null;
  /** A one-line title for runs without a source file: an `exec` run's `VERB text`; else null. */
  title: string | null;
  /** The target patterns it was submitted with, when any (`targets` are the hosts they resolved to). */
  pattern?: string;
  /** Present when an entry of the run rolls out in waves or with a concurrency cap. */
  rollout?: RunRollout;
}>;

export type RunDetail = RunSummary & Readonly<{ sourceText: string | null; jobs: readonly JobRecord[] }>;

export type OutputChunk = Readonly<{ stream: 'stdout' | 'stderr'; seq: number; data: string }>;

export type JobOutput = Readonly<{ jobId: string; target: string; stdout: string; stderr: string; truncated: boolean }>;

/**
 * One page of a host's stored output in a run (`runs:output`): its jobs that printed anything, in
 * run order, each whole. A console opening a 1000-job run fetches a few pages per host, not one
 * `jobs:output` per job.
 */
export type RunOutputPage = Readonly<{
  runId: string;
  target: string;
  jobs: ReadonlyArray<Readonly<{ jobId: string; stdout: string; stderr: string }>>;
  /** Pass as `after` for the next page; null after the last one. */
  next: number | null;
}>;

export type ListJobsFilter = 'success' | 'failed' | 'processing';

export type RunFilter = Readonly<{
  status?: RunStatus;
  target?: string;
  verb?: string;
  text?: string;
  /** Exactly this requester (`schedule:NIGHTLY`, `trigger:DEPLOY`, `cli`…). */
  requestedBy?: string;
  since?: number;
  until?: number;
  limit?: number;
  /** Keyset cursor: runs created before this (epoch ms)… */
  before?: number;
  /** …or, with `before`, at that time with a smaller run id (so runs created in the same ms are neither skipped nor repeated). */
  beforeRun?: string;
}>;

/**
 * A job's precomputed target counts (issue #15): kept with every target change, so a list of jobs
 * never reads their target rows. `failed` is failed, timed-out and lost; times are means over the
 * targets that reported one.
 */
export type JobCounts = Readonly<{
  targets: number;
  open: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  executionTime: number | null;
  roundtripTime: number | null;
}>;

export type JobSummary = Omit<JobRecord, 'targets'> & Readonly<{ counts: JobCounts }>;

/** A page of jobs, newest first (`jobs:page`); `next` is the `after` of the following (older) page, null after the last. */
export type JobPage = Readonly<{ jobs: readonly JobSummary[]; next: string | null }>;

/** One host's part in one run, from the precomputed per-(host, run) counts. */
export type HostRun = Readonly<{
  runId: string;
  kind: 'exec' | 'orchestrate';
  source: string | null;
  status: RunStatus;
  createdAt: number;
  /** The host's latest result time in the run. */
  lastAt: number | null;
  targets: number;
  open: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}>;

export type HostHistory = Readonly<{
  target: string;
  runs: readonly HostRun[];
  /** Cursor of the next (older) page: pass as `before`/`beforeRun`; null after the last. */
  next: Readonly<{ before: number; beforeRun: string }> | null;
}>;

/** One matching line of stored output (`output:search`); `line` counts from 1 in that job's stream on that host. */
export type OutputHit = Readonly<{
  runId: string;
  jobId: string;
  verb: string;
  target: string;
  stream: 'stdout' | 'stderr';
  line: number;
  text: string;
  createdAt: number;
}>;

export type OutputSearch = Readonly<{
  hits: readonly OutputHit[];
  /** More lines matched than `limit`. */
  truncated: boolean;
}>;

export type AnalysisRow = Readonly<[key: string, value: string | number]>;

export type ServerInfo = Readonly<{
  version: string;
  protocolVersion: string;
  dataDir: string;
  startedAt: number;
  components: readonly ComponentManifest[];
  /** SHA-256 fingerprint of the server's TLS certificate; absent on a plain-HTTP loopback server (since 1.2). */
  fingerprint?: string;
}>;
