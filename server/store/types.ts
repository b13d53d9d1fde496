/**
 * The store seam: everything the engine keeps durably, as interfaces only. Services depend on
 * these, never on SQLite; `server/store/sqlite/` is the one implementation (a PostgreSQL one would
 * be a sibling folder). Reads and single writes are async. A unit of work (`Store.transaction`)
 * takes a synchronous body: the job path changes its in-memory index and writes that change in
 * the same step, so no other turn can interleave between them (see docs/design.md, "Store").
 */
import type { AgentFacts, ComponentManifest } from '../../protocol/agents.js';
import type { DispatchedJob, TargetState } from '../../protocol/jobs.js';
import type { ListJobsFilter, RunSummary, TargetRecord } from '../../protocol/records.js';
import type { RunStatus, SettledRunStatus } from '../../protocol/states.js';
import type { HaltReason, RolloutState } from '../../protocol/rollouts.js';
import type { LibraryAttachment, LibraryItem, LibraryItemSummary } from '../../protocol/ui-events.js';
import type { SshAddress } from '../../protocol/inventory/types.js';
import type { SqlJob, SqlRun, SqlTarget } from '../jobs/jobs.rows.js';
import type { AuditEntry, AuditQuery, Role } from '../../protocol/teams.js';

// ---- jobs: runs, jobs, targets, output --------------------------------------------------------

export type NewRun = Readonly<{
  runId: string;
  kind: 'exec' | 'orchestrate';
  source: string | null;
  sourceText: string | null;
  requestedBy: string;
  createdAt: number;
  rerunOf: string | null;
  /** The run an internal run belongs to (the ARG a QUERY sends). */
  partOf: string | null;
  /** An `exec` run's command, for History. */
  title: string | null;
  jobCount: number;
  targets: readonly string[];
  verbs: readonly string[];
  /** JSON of the submission without its sourceText. */
  submission: string;
  /** The Library item the run is of (RunSubmission.libraryId). */
  libraryId?: string | null;
}>;

export type NewJob = Readonly<{
  seq: number;
  job: DispatchedJob;
  parentSha: string | null;
  text: string;
  runOnce: boolean;
  createdAt: number;
  skippedReason: string | null;
  targets: readonly TargetRecord[];
  /** Blobs the job's agents may fetch (ADD/COPY). */
  blobs?: readonly string[];
}>;

/** A target's stored state, keyed by (jobId, target). */
export type TargetWrite = TargetRecord & Readonly<{ jobId: string }>;

export type RunStateCount = { run_id: string; state: TargetState; n: number };

/** The open work at start: running runs, their open jobs with every target, per-run state counts. */
export type OpenWork = Readonly<{ runs: SqlRun[]; jobs: SqlJob[]; targets: SqlTarget[]; runCounts: RunStateCount[] }>;

/** Writes of the job flow inside one unit of work (synchronous: see the file comment). */
export interface JobsWrites {
  insertSubmission(run: NewRun, jobs: readonly NewJob[]): void;
  updateTarget(t: TargetWrite): void;
  touchJob(jobId: string, at: number): void;
  /** Settles a run from its stored target rows (write them first); returns its status. */
  settleRun(runId: string, cancelRequested: boolean, finishedAt: number, counts: Readonly<Record<TargetState, number>>): SettledRunStatus;
  /** Idempotent by (job, target, stream, seq); false for a duplicate. */
  insertChunk(jobId: string, target: string, stream: 'stdout' | 'stderr', seq: number, data: string): boolean;
  /**
   * Settles a settled run again from its target rows (a late result replaced `lost`); a
   * cancelled run stays cancelled. Undefined when the run is gone or still open.
   */
  resettleRun(runId: string): RunSummary | undefined;
  /**
   * A read inside the unit of work that stores a run of Library item `libraryId`: an unfinished
   * run of it when the item does not allow simultaneous runs (null otherwise, or when there is no
   * such item). Read here, not before, so two submissions cannot both see the item idle.
   */
  runningOfLibrary(libraryId: string): Readonly<{ runId: string; name: string }> | null;
}

export interface JobsStore {
  /** The next job sequence number (one more than the highest stored). */
  nextSeq(): Promise<number>;
  loadOpen(): Promise<OpenWork>;
  /** Targets marked lost since `since`, newest first, at most `limit`. */
  recentLost(since: number, limit: number): Promise<SqlTarget[]>;
  /** Deletes every settled run with its jobs, targets and output; the number of jobs removed. */
  purgeSettled(): Promise<number>;
}

// ---- history (reads) ----------------------------------------------------------------------------

export type RunQuery = Readonly<{
  status: RunStatus | null;
  target: string | null;
  verb: string | null;
  /** A LIKE pattern (already escaped and wrapped in %). */
  text: string | null;
  requestedBy: string | null;
  since: number | null;
  until: number | null;
  before: number | null;
  /** With `before`: the keyset tie-break (runs at `before` with a smaller id). */
  beforeRun: string | null;
  limit: number;
}>;

/** A job row with its precomputed target counts (migration 0007). */
export type SqlJobCounted = SqlJob & {
  n_targets: number;
  n_open: number;
  n_ok: number;
  n_failed: number;
  n_cancelled: number;
  ex_sum: number;
  ex_n: number;
  rt_sum: number;
  rt_n: number;
};

export type SqlHostRun = {
  target: string;
  run_id: string;
  created_at: number;
  n_targets: number;
  n_open: number;
  n_ok: number;
  n_failed: number;
  n_cancelled: number;
  last_at: number | null;
  kind: 'exec' | 'orchestrate';
  source: string | null;
  status: RunStatus;
};

export type HostRunQuery = Readonly<{ target: string; failures: boolean; before: number | null; beforeRun: string | null; limit: number }>;

export type OutputSearchQuery = Readonly<{
  /** An FTS5 query built by server/history/search-text.ts (never the user's text as such). */
  fts: string;
  since: number | null;
  /** A LIKE pattern of host names, or null. */
  host: string | null;
  verb: string | null;
  runId: string | null;
  limit: number;
}>;

/** A stored chunk whose text matched (its stream may match on several lines). */
export type OutputChunkHit = {
  job_id: string;
  target: string;
  stream: 'stdout' | 'stderr';
  run_id: string;
  verb: string;
  created_at: number;
};

export type NodeTimes = { target: string; ex: number | null; exn: number; rt: number | null; rtn: number; ok: number; bad: number };
export type JobSpan = { n: number; first_created: number | null; last_updated: number | null };
export type AnalyzeScope = 'parent' | 'job' | 'all';
export type OutputRow = { stream: 'stdout' | 'stderr'; data: string };
export type JobOutputRow = { target: string; stream: 'stdout' | 'stderr'; data: string };
export type RunOutputRow = { seq: number; job_id: string; stream: 'stdout' | 'stderr'; data: string };

export interface HistoryStore {
  getRun(runId: string): Promise<SqlRun | undefined>;
  listRuns(q: RunQuery): Promise<SqlRun[]>;
  jobsOfRun(runId: string): Promise<SqlJob[]>;
  /** In insertion order (a job's targets as they were listed). */
  targetsOfRun(runId: string): Promise<SqlTarget[]>;
  getJob(jobId: string): Promise<SqlJob | undefined>;
  lastJob(): Promise<SqlJob | undefined>;
  jobsByIds(ids: readonly string[]): Promise<SqlJob[]>;
  targetsByJobIds(ids: readonly string[]): Promise<SqlTarget[]>;
  /** Jobs newest first, older than seq `beforeSeq` (all when null), from their counts (no target rows read). */
  pageJobs(filter: ListJobsFilter | null, beforeSeq: number | null, limit: number): Promise<SqlJobCounted[]>;
  /** The seq of a job (a keyset cursor), undefined when it is gone. */
  jobSeq(jobId: string): Promise<number | undefined>;
  /** A host's runs newest first, from the per-(host, run) counts. */
  hostRuns(q: HostRunQuery): Promise<SqlHostRun[]>;
  /** Chunks whose indexed text matches, newest first; at most `limit` distinct (job, host, stream). Throws on a query FTS5 refuses. */
  searchOutput(q: OutputSearchQuery): Promise<OutputChunkHit[]>;
  /** One stream's chunks of a job on a host, in order. */
  streamText(jobId: string, target: string, stream: 'stdout' | 'stderr'): Promise<string>;
  getTarget(jobId: string, target: string): Promise<SqlTarget | undefined>;
  output(jobId: string, target: string): Promise<OutputRow[]>;
  /** Every host's output chunks of a job, by host, stream and order: `--job-info` in one read, not one per host. */
  jobOutput(jobId: string): Promise<JobOutputRow[]>;
  /**
   * `target`'s output chunks in `runId`, jobs after seq `after`, in order: whole jobs, stopping after the
   * job that brings the page to `pageChars`; `more` when later jobs have output. Read in one go: a lazy
   * cursor held across awaits would leave the connection busy for every other request.
   */
  runOutput(runId: string, target: string, after: number, pageChars: number): Promise<Readonly<{ rows: RunOutputRow[]; more: boolean }>>;
  nodeTimes(scope: AnalyzeScope, id: string): Promise<NodeTimes[]>;
  span(scope: AnalyzeScope, id: string): Promise<JobSpan | undefined>;
}

// ---- agents ---------------------------------------------------------------------------------------

export type AgentRow = {
  identity: string;
  machineId: string;
  agentVersion: string;
  facts: AgentFacts;
  components: readonly ComponentManifest[];
  firstSeen: number;
  lastSeen: number;
  lastHeartbeat: number;
  expiresAt: number;
  online: boolean;
  startedAt: number;
  running: number;
  queued: number;
};

export type AgentBeat = Pick<AgentRow, 'identity' | 'lastSeen' | 'lastHeartbeat' | 'expiresAt' | 'running' | 'queued'>;

/** The durable copy of presence (presence itself lives in memory). A full disk skips presence writes. */
export interface AgentsStore {
  all(): Promise<AgentRow[]>;
  upsert(row: AgentRow): Promise<void>;
  heartbeat(row: AgentBeat): Promise<void>;
  setOnline(identity: string, online: boolean, lastSeen: number): Promise<void>;
  markAllOffline(): Promise<number>;
  remove(identities: readonly string[]): Promise<number>;
}

// ---- enrolment ------------------------------------------------------------------------------------

export type TokenRow = Readonly<{
  id: string;
  tokenHash: string;
  note: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  maxUses: number;
  uses: number;
  revokedAt: number | null;
}>;

export type CredentialRow = Readonly<{
  identity: string;
  secretHash: string | null;
  machineId: string;
  enrolmentId: string | null;
  enrolledAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
  revokedReason: string | null;
}>;

export type NewCredential = Readonly<{ identity: string; secretHash: string; machineId: string; enrolmentId: string; enrolledAt: number }>;

/** Writes of one enrolment inside a unit of work. */
export interface EnrolmentWrites {
  /** Counts one use; false when none was left (a concurrent enrolment took the last). */
  useToken(id: string): boolean;
  /** Stores a fresh credential for `identity`, replacing (and un-revoking) any previous one. */
  saveCredential(row: NewCredential): void;
}

export interface EnrolmentStore {
  insertToken(row: Omit<TokenRow, 'uses' | 'revokedAt'>): Promise<void>;
  tokenById(id: string): Promise<TokenRow | undefined>;
  tokens(): Promise<TokenRow[]>;
  revokeToken(id: string, at: number): Promise<boolean>;
  credential(identity: string): Promise<CredentialRow | undefined>;
  credentials(): Promise<CredentialRow[]>;
  revokeCredential(identity: string, at: number, by: string, reason: string): Promise<void>;
}

// ---- library and blobs ----------------------------------------------------------------------------

export interface LibraryStore {
  list(): Promise<LibraryItemSummary[]>;
  get(id: string): Promise<LibraryItem | undefined>;
  /** `allowSimultaneous` undefined: false. */
  insert(
    id: string,
    name: string,
    yaml: string,
    attachments: readonly LibraryAttachment[],
    now: number,
    allowSimultaneous?: boolean,
  ): Promise<void>;
  /** False when there is no such item. `allowSimultaneous` undefined keeps the stored setting. */
  update(
    id: string,
    name: string,
    yaml: string,
    attachments: readonly LibraryAttachment[],
    now: number,
    allowSimultaneous?: boolean,
  ): Promise<boolean>;
  /** False when there is no such item (an import restores the setting). */
  setAllowSimultaneous(id: string, allow: boolean): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  /** Whether a saved orchestration lists blob `sha` (garbage collection keeps it). */
  listsBlob(sha: string): Promise<boolean>;
}

export interface BlobsStore {
  /** Whether any job in the history lists blob `sha` (garbage collection keeps it). */
  isReferenced(sha: string): Promise<boolean>;
  /** Whether `identity` was given job `jobId` and that job lists blob `sha`. */
  mayRead(identity: string, jobId: string, sha: string): Promise<boolean>;
  /** The state of the latest job with this SHA on each identity (null: never given one). */
  latestStates(sha: string, identities: readonly string[]): Promise<Record<string, TargetState | null>>;
}

// ---- retention ------------------------------------------------------------------------------------

export interface RetentionStore {
  /** The oldest settled run created before `before` (any settled run when null). */
  oldestSettled(before: number | null): Promise<string | undefined>;
  /**
   * One small transaction: up to `batchJobs` jobs of the run (a slice of the hosts of a job on more
   * hosts than a chunk holds: `targets` counts them), then the run once it is empty (and still settled).
   */
  deleteChunk(runId: string, batchJobs: number): Promise<{ jobs: number; targets: number; runDone: boolean }>;
  /** Bytes the stored data uses (not the file size: freed space is reused). */
  usedBytes(): Promise<number>;
}

// ---- inventory ------------------------------------------------------------------------------------

export type InventoryHostRow = Readonly<{
  name: string;
  labels: Readonly<Record<string, string>>;
  vars: Readonly<Record<string, unknown>>;
  ssh: SshAddress | null;
  declaredAt: number;
}>;

export type InventoryGroupRow = Readonly<{
  name: string;
  vars: Readonly<Record<string, unknown>>;
  createdAt: number;
  /** Direct member hosts, by name. */
  hosts: readonly string[];
  /** Direct child groups. */
  children: readonly string[];
}>;

/** A smart group: a named pattern (resolved live, never a stored list of hosts). */
export type InventorySmartGroupRow = Readonly<{ name: string; pattern: string; createdAt: number }>;

export type InventoryRows = Readonly<{ hosts: InventoryHostRow[]; groups: InventoryGroupRow[]; smartGroups: InventorySmartGroupRow[] }>;

/** Writes of inventory edits and imports inside one unit of work (an import is all or nothing). */
export interface InventoryWrites {
  putHost(row: InventoryHostRow): void;
  removeHost(name: string): void;
  /** Creates the group or replaces its vars. */
  putGroup(name: string, vars: Readonly<Record<string, unknown>>, createdAt: number): void;
  removeGroup(name: string): void;
  addMember(group: string, host: string): void;
  removeMember(group: string, host: string): void;
  addChild(parent: string, child: string): void;
  removeChild(parent: string, child: string): void;
  /** Creates the smart group or replaces its pattern. */
  putSmartGroup(row: InventorySmartGroupRow): void;
  removeSmartGroup(name: string): void;
  /** Every host row, group, membership and smart group (`import --replace`). */
  clear(): void;
}

export interface InventoryStore {
  load(): Promise<InventoryRows>;
}

// ---- automation: schedules, notifications, triggers (issue #19) ---------------------------------

/** Where a schedule's or trigger's orchestration comes from: a Library item, or a stored file's text. */
export type AutomationSourceRow = Readonly<{ libraryId: string | null; file: string | null; fileText: string | null }>;

export type ScheduleRow = AutomationSourceRow &
  Readonly<{
    id: string;
    name: string;
    cron: string;
    tz: string | null;
    target: string | null;
    vars: Readonly<Record<string, unknown>>;
    misfire: 'skip' | 'run-once';
    overlap: 'skip' | 'queue' | 'allow';
    enabled: boolean;
    createdAt: number;
    lastFiredAt: number | null;
    lastRunId: string | null;
    /** A fire time held back by `overlap: queue` until the previous run settles. */
    queuedAt: number | null;
  }>;

export interface SchedulesStore {
  all(): Promise<ScheduleRow[]>;
  byName(name: string): Promise<ScheduleRow | undefined>;
  /** False when the name is taken. */
  insert(row: ScheduleRow): Promise<boolean>;
  /** Resuming counts fire times during the pause as handled (`now` becomes the last fire). */
  setEnabled(name: string, enabled: boolean, now: number): Promise<boolean>;
  remove(name: string): Promise<boolean>;
}

/** Schedule writes inside the unit of work that stores the run a fire started. */
export interface ScheduleWrites {
  /**
   * Records fire time `at` as handled (with the run it started, if any, and what stays queued);
   * false when `at` is not after the stored last fire: it was handled already, and the caller
   * rolls its unit of work back.
   */
  markFired(id: string, at: number, runId: string | null, queuedAt: number | null): boolean;
  /** Takes the queued fire time `at` (its run, if any, becomes the last run); false when it is not queued any more. */
  takeQueued(id: string, at: number, runId: string | null): boolean;
}

export type NotificationRow = Readonly<{
  id: string;
  name: string;
  kind: 'webhook' | 'slack' | 'email';
  destination: string;
  /** The webhook's HMAC key, sealed with DATA_DIR/secrets.key (opened only to sign; never listed or exported). */
  secret: string | null;
  events: readonly string[];
  libraryId: string | null;
  createdAt: number;
}>;

export type DeliveryRow = Readonly<{
  notificationId: string;
  event: string;
  runId: string;
  attempt: number;
  status: 'delivered' | 'failed' | 'retrying';
  detail: string;
  at: number;
}>;

export interface NotificationsStore {
  all(): Promise<NotificationRow[]>;
  insert(row: NotificationRow): Promise<boolean>;
  remove(name: string): Promise<boolean>;
  logDelivery(row: DeliveryRow): Promise<number>;
  /** Newest first. */
  deliveries(notificationId: string | null, limit: number): Promise<Array<DeliveryRow & { id: number }>>;
}

export type TriggerRow = AutomationSourceRow &
  Readonly<{
    id: string;
    name: string;
    target: string | null;
    varsFrom: readonly string[];
    /** SHA-256 (hex) of the secret: a Bearer token is checked against it. */
    secretHash: string;
    /** The HMAC key for `X-Hub-Signature-256`, sealed with DATA_DIR/secrets.key (an HMAC cannot be checked against a hash). */
    hmacKey: string | null;
    createdAt: number;
    lastFiredAt: number | null;
  }>;

export interface TriggersStore {
  all(): Promise<TriggerRow[]>;
  byId(id: string): Promise<TriggerRow | undefined>;
  insert(row: TriggerRow): Promise<boolean>;
  remove(name: string): Promise<boolean>;
  markFired(id: string, at: number): Promise<void>;
}

// ---- rollouts (issue #17) ------------------------------------------------------------------------

/** One entry's rollout as stored: its waves, how far it got, and why it stopped. */
export type RolloutRow = Readonly<{
  runId: string;
  entry: number;
  name: string | null;
  mode: 'serial' | 'concurrency';
  waves: readonly (readonly string[])[];
  /** The entry's job ids (the jobs whose results decide when a wave has finished). */
  jobIds: readonly string[];
  maxFailPercentage: number;
  pause: number;
  approve: boolean;
  concurrency: number | null;
  released: number;
  state: RolloutState;
  haltReason: HaltReason | null;
  /** Hosts whose failures an operator accepted (resume, retry): they no longer count. */
  accepted: readonly string[];
  resumeAt: number | null;
  updatedAt: number;
}>;

export type RolloutProgress = Pick<
  RolloutRow,
  'runId' | 'entry' | 'released' | 'state' | 'haltReason' | 'accepted' | 'resumeAt' | 'updatedAt'
>;

/** Writes of rollouts inside a unit of work. */
export interface RolloutsWrites {
  insert(row: RolloutRow): void;
  /** Where the rollout stands now (released waves, state); written before a wave is dispatched. */
  progress(row: RolloutProgress): void;
}

export interface RolloutsStore {
  /** Rollouts of runs that are still running (loaded at start). */
  open(): Promise<RolloutRow[]>;
  ofRun(runId: string): Promise<RolloutRow[]>;
}

// ---- teams: users, sessions, API tokens, audit, secrets (issue #18) ------------------------------

export type UserRow = Readonly<{
  name: string;
  role: Role;
  scope: string | null;
  /** scrypt hash (server/auth/passwords.ts); null for single-sign-on users. */
  passwordHash: string | null;
  source: 'local' | 'oidc';
  /** Single sign-on users: `ISSUER#sub` of the provider's account (migration 0013); null for local users. */
  externalId: string | null;
  disabled: boolean;
  mustChange: boolean;
  createdAt: number;
  createdBy: string;
}>;

/** A browser session: only the SHA-256 of its secret is stored. */
export type SessionRow = Readonly<{ idHash: string; user: string; createdAt: number; lastSeen: number; address: string }>;

export type ApiTokenRow = Readonly<{
  id: string;
  user: string;
  tokenHash: string;
  note: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}>;

/** The services keep users, sessions and tokens in memory and write through (every request checks them). */
export interface UsersStore {
  all(): Promise<UserRow[]>;
  /** Inserts or replaces the user by name. */
  put(row: UserRow): Promise<void>;
  /** Removes the user with their sessions and tokens. */
  remove(name: string): Promise<boolean>;
  sessions(): Promise<SessionRow[]>;
  putSession(row: SessionRow): Promise<void>;
  removeSession(idHash: string): Promise<void>;
  tokens(): Promise<ApiTokenRow[]>;
  putToken(row: ApiTokenRow): Promise<void>;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

export interface AuditStore {
  /**
   * Appends one row: `chain(prevHash, entry-with-seq)` gives its hash, computed against the last
   * row inside the same write so two appends can never share a predecessor.
   */
  append(entry: NewAuditEntry, chain: (prevHash: string, entry: Omit<AuditEntry, 'hash'>) => string): Promise<AuditEntry>;
  list(q: AuditQuery): Promise<AuditEntry[]>;
  /** Every row in order, read lazily (verify, export). */
  scan(): AsyncIterable<AuditEntry>;
}

/** `sealed`: AES-256-GCM ciphertext as text (server/secrets/seal.ts); the value itself is never stored. */
export type SecretRow = Readonly<{
  name: string;
  version: number;
  sealed: string;
  createdAt: number;
  updatedAt: number;
  updatedBy: string;
}>;

export interface SecretsStore {
  all(): Promise<SecretRow[]>;
  get(name: string): Promise<SecretRow | undefined>;
  put(row: SecretRow): Promise<void>;
  remove(name: string): Promise<boolean>;
}

// ---- the store ------------------------------------------------------------------------------------

export interface StoreTx {
  readonly jobs: JobsWrites;
  readonly enrolment: EnrolmentWrites;
  readonly inventory: InventoryWrites;
  readonly schedules: ScheduleWrites;
  readonly rollouts: RolloutsWrites;
}

export interface Store {
  readonly jobs: JobsStore;
  readonly history: HistoryStore;
  readonly agents: AgentsStore;
  readonly enrolment: EnrolmentStore;
  readonly library: LibraryStore;
  readonly blobs: BlobsStore;
  readonly retention: RetentionStore;
  readonly inventory: InventoryStore;
  readonly schedules: SchedulesStore;
  readonly notifications: NotificationsStore;
  readonly triggers: TriggersStore;
  readonly rollouts: RolloutsStore;
  readonly users: UsersStore;
  readonly audit: AuditStore;
  readonly secrets: SecretsStore;
  /**
   * One unit of work: every write `body` makes through `tx` commits together or none does (a
   * throw rolls back and rejects). Resolves with the body's value after the commit.
   */
  transaction<T>(body: (tx: StoreTx) => T): Promise<T>;
  close(): Promise<void>;
}
