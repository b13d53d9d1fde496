/** Read models the server returns to the CLI and console. */
import type { TargetState } from './jobs.js';
import type { ComponentManifest } from './agents.js';
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

/** `halted` and `awaiting-approval` are running runs whose rollout waits for an operator (issue #17). */
export type RunStatus = 'running' | 'halted' | 'awaiting-approval' | 'succeeded' | 'failed' | 'cancelled';

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
  since?: number;
  until?: number;
  limit?: number;
  before?: number;
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
