/** Socket.IO event maps of the `/ui` namespace (console and CLI ⇄ server). */
import type { Ack } from './result.js';
import type { Principal, TeamsToServerEvents } from './teams.js';
import type { AgentInfo } from './agents.js';
import type { AgentRevoke, AgentRevoked, EnrolmentCreate, EnrolmentCreated, EnrolmentInfo } from './enrolment.js';
import type { BlobPut, BlobPutResult, BlobsHas, BlobsHasResult } from './blobs.js';
import type { BootstrapFinished, BootstrapProgress, BootstrapRequest, BootstrapStarted } from './bootstrap.js';
import type { RunSubmission, RunSubmitted, SourceFile, TargetState } from './jobs.js';
import type { AnalysisRow, JobOutput, JobRecord, ListJobsFilter, RunDetail, RunFilter, RunOutputPage, RunSummary, ServerInfo } from './records.js';

export const UI_NAMESPACE = '/ui';

/** Handshake `auth` payload of a console or CLI connection. */
export type UiAuth = Readonly<{ token: string; client?: string }>;

export type AnalyzeRequest = Readonly<{ parentId: string } | { jobId: string } | { all: true }>;

export type JobsAwaitRequest = Readonly<{ jobIds: string[]; timeoutMs: number }>;

/** A state change of one (job, target), as broadcast live. */
export type TargetUpdate = Readonly<{
  runId: string;
  jobId: string;
  target: string;
  state: TargetState;
  info: string | null;
  exitCode: number | null;
  at: number;
  executionTime: number | null;
  roundtripTime: number | null;
}>;

export type OutputAppended = Readonly<{ runId: string; jobId: string; target: string; stream: 'stdout' | 'stderr'; data: string }>;

export type SubscribeRequest = Readonly<{
  /** Receive `output:appended` for this run (or all runs with '*'). */
  outputOf?: string;
}>;

/**
 * Files attached in the console for one ADD/COPY SOURCE pattern, saved with a library item: their
 * content stays in the server's blob store (uploaded before the save) for as long as the item
 * lists them, so reopening the item needs no re-attaching.
 */
export type LibraryAttachment = Readonly<{ pattern: string; files: readonly SourceFile[] }>;

/** A saved orchestration in the console's library. */
export type LibraryItem = Readonly<{ id: string; name: string; yaml: string; attachments: readonly LibraryAttachment[]; createdAt: number; updatedAt: number }>;
export type LibraryItemSummary = Omit<LibraryItem, 'yaml' | 'attachments'>;
export type LibrarySave = Readonly<{ id?: string; name: string; yaml: string; attachments?: readonly LibraryAttachment[] }>;

export type RerunRequest = Readonly<{
  runId: string;
  /** Only the (job, target) pairs that did not succeed, each on its own target. */
  failedOnly?: boolean;
}>;

/** Teams (issue #18) live in teams.ts; their requests are part of this map. */
export interface UiToServerEvents extends TeamsToServerEvents {
  'server:info': (ack: Ack<ServerInfo>) => void;
  'agents:list': (ack: Ack<AgentInfo[]>) => void;
  'agents:purge': (ack: Ack<{ purged: number }>) => void;
  'runs:submit': (submission: RunSubmission, ack: Ack<RunSubmitted>) => void;
  /** Which of these content-addressed blobs the server lacks (upload only those). */
  'blobs:has': (request: BlobsHas, ack: Ack<BlobsHasResult>) => void;
  /** Stores (a piece of) a blob; the SHA3-224 is checked once complete (ADD/COPY sources). */
  'blobs:put': (blob: BlobPut, ack: Ack<BlobPutResult>) => void;
  'runs:list': (filter: RunFilter, ack: Ack<RunSummary[]>) => void;
  'runs:get': (runId: string, ack: Ack<RunDetail>) => void;
  /** A host's stored output in a run, a page at a time (`after`: the previous page's `next`). */
  'runs:output': (request: { runId: string; target: string; after?: number }, ack: Ack<RunOutputPage>) => void;
  'runs:cancel': (runId: string, ack: Ack<{ cancelled: number }>) => void;
  'jobs:list': (request: { filter?: ListJobsFilter; limit?: number }, ack: Ack<JobRecord[]>) => void;
  /** `last` means the most recently created job. */
  'jobs:get': (jobId: string, ack: Ack<JobRecord>) => void;
  /** Acks once every job is settled (or when the timeout passes, with what is known). */
  'jobs:await': (request: JobsAwaitRequest, ack: Ack<JobRecord[]>) => void;
  'jobs:output': (request: { jobId: string; target: string }, ack: Ack<JobOutput>) => void;
  'jobs:purge': (ack: Ack<{ purged: number }>) => void;
  'jobs:analyze': (request: AnalyzeRequest, ack: Ack<AnalysisRow[]>) => void;
  'ui:subscribe': (request: SubscribeRequest, ack: Ack<null>) => void;
  /** Submit the run again (same sources), optionally only on the targets that failed. */
  'runs:rerun': (request: RerunRequest, ack: Ack<RunSubmitted>) => void;
  'library:list': (ack: Ack<LibraryItemSummary[]>) => void;
  'library:get': (id: string, ack: Ack<LibraryItem>) => void;
  /** Creates when `id` is absent; returns the stored item. */
  'library:save': (item: LibrarySave, ack: Ack<LibraryItem>) => void;
  'library:delete': (id: string, ack: Ack<null>) => void;
  /** Installs agents over SSH from the server (console "Add hosts"); progress comes as `bootstrap:progress`. */
  'hosts:bootstrap': (request: BootstrapRequest, ack: Ack<BootstrapStarted>) => void;
  /** A new enrolment token (since 1.2); its secret is in this answer only. */
  'enrolments:create': (request: EnrolmentCreate, ack: Ack<EnrolmentCreated>) => void;
  /** Every enrolment token, newest first, without secrets. */
  'enrolments:list': (ack: Ack<EnrolmentInfo[]>) => void;
  /** Revokes a token by id: no agent can enrol with it any more (enrolled agents keep their credentials). */
  'enrolments:revoke': (id: string, ack: Ack<EnrolmentInfo>) => void;
  /** Revokes an agent: it is disconnected at once and its credential (or the local key, for it) refused from now on. */
  'agents:revoke': (request: AgentRevoke, ack: Ack<AgentRevoked>) => void;
}

export interface ServerToUiEvents {
  'agent:updated': (agent: AgentInfo) => void;
  'run:updated': (run: RunSummary) => void;
  /** Batched per tick. */
  'targets:updated': (updates: TargetUpdate[]) => void;
  /** Batched per tick; only for subscribed runs. */
  'output:appended': (chunks: OutputAppended[]) => void;
  /** A step of one host of a `hosts:bootstrap` moved (sent to every console). */
  'bootstrap:progress': (event: BootstrapProgress) => void;
  'bootstrap:finished': (event: BootstrapFinished) => void;
}

export type UiSocketData = { client: string; outputOf: string | null; principal?: Principal; address?: string };

/** `/ui` requests whose only argument is the ack (over HTTP: an empty body). */
export const UI_REQUESTS_WITHOUT_PAYLOAD: ReadonlySet<string> = new Set<keyof UiToServerEvents>(['server:info', 'agents:list', 'agents:purge', 'jobs:purge', 'library:list', 'enrolments:list']);
