/** Socket.IO event maps of the `/ui` namespace (console and CLI ⇄ server). */
import type { Ack, RequestArgsOf, RequestValueOf } from './result.js';
import type {
  DeliveryInfo,
  LibraryAutomation,
  NotifyAdd,
  NotifyInfo,
  ScheduleAdd,
  ScheduleInfo,
  TriggerAdd,
  TriggerCreated,
  TriggerInfo,
} from './automation.js';
import type { Principal, TeamsToServerEvents } from './teams.js';
import type { AgentInfo } from './agents.js';
import type { AgentRevoke, AgentRevoked, EnrolmentCreate, EnrolmentCreated, EnrolmentInfo } from './enrolment.js';
import type { BlobPut, BlobPutResult, BlobsHas, BlobsHasResult } from './blobs.js';
import type { BootstrapFinished, BootstrapProgress, BootstrapRequest, BootstrapStarted } from './bootstrap.js';
import type { RunSubmission, RunSubmitted, SourceFile } from './jobs.js';
import type { InventorySnapshot, PatternResolution } from './inventory/types.js';
import type {
  InventoryChanges,
  InventoryEdit,
  InventoryExport,
  InventoryImport,
  InventoryResolve,
  SmartGroupInfo,
  SmartGroupRemove,
  SmartGroupSave,
} from './inventory/wire.js';
import type {
  AnalysisRow,
  HostHistory,
  JobOutput,
  JobPage,
  JobRecord,
  ListJobsFilter,
  OutputSearch,
  RunDetail,
  RunFilter,
  RunOutputPage,
  RunSummary,
  ServerInfo,
  TargetRecord,
} from './records.js';
import type { RunPlan } from './plan.js';
import type { RolloutActionRequest, RolloutActionResult, RunRollout } from './rollouts.js';

export const UI_NAMESPACE = '/ui';

/** Handshake `auth` payload of a console or CLI connection. */
export type UiAuth = Readonly<{ token: string; client?: string }>;

export type AnalyzeRequest = Readonly<{ parentId: string } | { jobId: string } | { all: true }>;

export type JobsAwaitRequest = Readonly<{ jobIds: string[]; timeoutMs: number }>;

/** A state change of one (job, target), as broadcast live. */
export type TargetUpdate = Pick<TargetRecord, 'target' | 'state' | 'info' | 'exitCode' | 'executionTime' | 'roundtripTime'> &
  Readonly<{ runId: string; jobId: string; at: number }>;

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

/**
 * A saved orchestration in the console's library. `allowSimultaneous` (AWX's allow_simultaneous,
 * default false): whether a run of it may start while an earlier run of it is not finished.
 */
export type LibraryItem = Readonly<{
  id: string;
  name: string;
  yaml: string;
  attachments: readonly LibraryAttachment[];
  allowSimultaneous: boolean;
  createdAt: number;
  updatedAt: number;
}>;
export type LibraryItemSummary = Omit<LibraryItem, 'yaml' | 'attachments'>;
/** `allowSimultaneous` absent: an update keeps the stored setting (a new item gets false). */
export type LibrarySave = Readonly<{
  id?: string;
  name: string;
  yaml: string;
  attachments?: readonly LibraryAttachment[];
  allowSimultaneous?: boolean;
}>;

export type JobPageRequest = Readonly<{ filter?: ListJobsFilter; limit?: number; after?: string }>;

export type HostHistoryRequest = Readonly<{ target: string; limit?: number; before?: number; beforeRun?: string; failures?: boolean }>;

/**
 * `text`: words (all must appear in the line), "a phrase", prefix* words; case and accents do not
 * matter, ANSI colour codes are ignored. `host`: a glob (`web-*`). `since`: epoch ms.
 */
export type OutputSearchRequest = Readonly<{ text: string; since?: number; host?: string; verb?: string; runId?: string; limit?: number }>;

export type RerunRequest = Readonly<{
  runId: string;
  /** Only the (job, target) pairs that did not succeed, each on its own target. */
  failedOnly?: boolean;
  /** Resolve the run's target patterns again against the inventory as it is now (else: the same hosts). */
  currentInventory?: boolean;
}>;

/** A `/ui` request's arguments without its ack, and what its ack carries: declared once for every client. */
export type UiRequestArgs<E extends keyof UiToServerEvents> = RequestArgsOf<UiToServerEvents, E>;
export type UiRequestValue<E extends keyof UiToServerEvents> = RequestValueOf<UiToServerEvents, E>;

/** Teams (issue #18) live in teams.ts; their requests are part of this map. */
export interface UiToServerEvents extends TeamsToServerEvents {
  // ---- schedules, notifications, triggers (issue #19; protocol/automation.ts) ----
  'schedules:add': (request: ScheduleAdd, ack: Ack<ScheduleInfo>) => void;
  'schedules:list': (ack: Ack<ScheduleInfo[]>) => void;
  'schedules:pause': (name: string, ack: Ack<ScheduleInfo>) => void;
  'schedules:resume': (name: string, ack: Ack<ScheduleInfo>) => void;
  'schedules:remove': (name: string, ack: Ack<null>) => void;
  'notify:add': (request: NotifyAdd, ack: Ack<NotifyInfo>) => void;
  'notify:list': (ack: Ack<NotifyInfo[]>) => void;
  /** Sends a test event now and answers with the logged attempts (the first, and any retries done within the ack). */
  'notify:test': (name: string, ack: Ack<DeliveryInfo[]>) => void;
  'notify:remove': (name: string, ack: Ack<null>) => void;
  'notify:deliveries': (request: { name?: string; limit?: number }, ack: Ack<DeliveryInfo[]>) => void;
  'triggers:add': (request: TriggerAdd, ack: Ack<TriggerCreated>) => void;
  'triggers:list': (ack: Ack<TriggerInfo[]>) => void;
  'triggers:remove': (name: string, ack: Ack<null>) => void;
  /** A Library item's schedules, notifications and triggers without secrets (its export). */
  'library:automation': (id: string, ack: Ack<LibraryAutomation>) => void;
  /** Recreates them on a Library item (its import); names already taken are reported, not replaced. */
  'library:restore-automation': (
    request: { id: string; automation: LibraryAutomation },
    ack: Ack<{ created: string[]; skipped: string[]; secrets: string[] }>,
  ) => void;

  'server:info': (ack: Ack<ServerInfo>) => void;
  /** The server's clock (epoch ms): consoles show every time against it, not their own clock (issue #13). */
  'server:time': (ack: Ack<{ now: number }>) => void;
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
  /** A dry run (issue #17): per host, each job as will run / cached / run-once done / host offline, and the waves; nothing runs. */
  'runs:plan': (submission: RunSubmission, ack: Ack<RunPlan>) => void;
  /** A run's rollout: waves, state, halt reason (issue #17); `not-found` when it has none. */
  'rollouts:get': (runId: string, ack: Ack<RunRollout>) => void;
  /** Approve the next wave, resume a halted rollout, retry its failed hosts and resume, or abort. */
  'rollouts:act': (request: RolloutActionRequest, ack: Ack<RolloutActionResult>) => void;
  /** Whole records (targets included) of the newest `limit` jobs, oldest first; `after`: only jobs older than that job id. */
  'jobs:list': (request: { filter?: ListJobsFilter; limit?: number; after?: string }, ack: Ack<JobRecord[]>) => void;
  /** Jobs newest first with their precomputed counts, a keyset page at a time (issue #15): never reads target rows. */
  'jobs:page': (request: JobPageRequest, ack: Ack<JobPage>) => void;
  /** A host's runs, newest first, from the per-(host, run) counts (`failures`: only runs where it failed). */
  'hosts:history': (request: HostHistoryRequest, ack: Ack<HostHistory>) => void;
  /** Full-text search of stored output: the matching lines, newest jobs first. A malformed query is `invalid`. */
  'output:search': (request: OutputSearchRequest, ack: Ack<OutputSearch>) => void;
  /** `last` means the most recently created job. */
  'jobs:get': (jobId: string, ack: Ack<JobRecord>) => void;
  /** Acks once every job is settled (or when the timeout passes, with what is known). */
  'jobs:await': (request: JobsAwaitRequest, ack: Ack<JobRecord[]>) => void;
  'jobs:output': (request: { jobId: string; target: string }, ack: Ack<JobOutput>) => void;
  /** Every host's output of one job (in the job's target order). */
  'jobs:outputs': (request: { jobId: string }, ack: Ack<JobOutput[]>) => void;
  'jobs:purge': (ack: Ack<{ purged: number }>) => void;
  'jobs:analyze': (request: AnalyzeRequest, ack: Ack<AnalysisRow[]>) => void;
  'ui:subscribe': (request: SubscribeRequest, ack: Ack<null>) => void;
  /** Submit the run again (same sources), optionally only on the targets that failed. */
  'runs:rerun': (request: RerunRequest, ack: Ack<RunSubmitted>) => void;
  'library:list': (ack: Ack<LibraryItemSummary[]>) => void;
  'library:get': (id: string, ack: Ack<LibraryItem>) => void;
  /** Creates when `id` is absent; returns the stored item. */
  'library:save': (item: LibrarySave, ack: Ack<LibraryItem>) => void;
  /** An item's settings alone (its YAML and attachments untouched, so a save made meanwhile is kept). */
  'library:settings': (request: { id: string; allowSimultaneous: boolean }, ack: Ack<LibraryItem>) => void;
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
  /** The inventory: every host (agents and declared), groups, labels, vars (issue #16). */
  'inventory:get': (ack: Ack<InventorySnapshot>) => void;
  /** Who a list of patterns selects now, and who of them is offline or not enrolled. */
  'inventory:resolve': (request: InventoryResolve, ack: Ack<PatternResolution>) => void;
  /** One transaction: a bad file changes nothing. */
  'inventory:import': (request: InventoryImport, ack: Ack<InventoryChanges>) => void;
  'inventory:export': (request: InventoryExport, ack: Ack<{ format: 'yaml' | 'json'; text: string }>) => void;
  /** Edits as ops, all or nothing. */
  'inventory:edit': (request: InventoryEdit, ack: Ack<InventoryChanges>) => void;
  /** Smart groups (named patterns) with what each matches now. */
  'inventory:smart-list': (ack: Ack<SmartGroupInfo[]>) => void;
  /** Saves a smart group (refused naming the clash or cycle); an existing name gets the new pattern. */
  'inventory:smart-save': (request: SmartGroupSave, ack: Ack<InventoryChanges>) => void;
  'inventory:smart-remove': (request: SmartGroupRemove, ack: Ack<InventoryChanges>) => void;
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
  /** An edit or import changed the inventory (fetch `inventory:get` again). */
  'inventory:changed': (changes: InventoryChanges) => void;
}

export type UiSocketData = { client: string; outputOf: string | null; principal?: Principal; address?: string };

/** `/ui` requests whose only argument is the ack (over HTTP: an empty body). */
export const UI_REQUESTS_WITHOUT_PAYLOAD: ReadonlySet<string> = new Set<keyof UiToServerEvents>([
  'server:info',
  'server:time',
  'agents:list',
  'agents:purge',
  'jobs:purge',
  'library:list',
  'enrolments:list',
  'inventory:get',
  'inventory:smart-list',
  'schedules:list',
  'notify:list',
  'triggers:list',
]);
