/**
 * The store seam: everything the engine keeps durably, as interfaces only. Services depend on
 * these, never on SQLite; `server/store/sqlite/` is the one implementation (a PostgreSQL one would
 * be a sibling folder). Reads and single writes are async. A unit of work (`Store.transaction`)
 * takes a synchronous body: the job path changes its in-memory index and writes that change in
 * the same step, so no other turn can interleave between them (see docs/design.md, "Store").
 */
import type { AgentFacts, ComponentManifest } from '../../protocol/agents.js';
import type { DispatchedJob, TargetState } from '../../protocol/jobs.js';
import type { ListJobsFilter, RunStatus, RunSummary, TargetRecord } from '../../protocol/records.js';
import type { LibraryAttachment, LibraryItem, LibraryItemSummary } from '../../protocol/ui-events.js';
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
  jobCount: number;
  targets: readonly string[];
  verbs: readonly string[];
  /** JSON of the submission without its sourceText. */
  submission: string;
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
  settleRun(runId: string, status: RunStatus, finishedAt: number, counts: Readonly<Record<TargetState, number>>): void;
  /** Idempotent by (job, target, stream, seq); false for a duplicate. */
  insertChunk(jobId: string, target: string, stream: 'stdout' | 'stderr', seq: number, data: string): boolean;
  /**
   * Settles a settled run again from its target rows (a late result replaced `lost`); a
   * cancelled run stays cancelled. Undefined when the run is gone or still open.
   */
  resettleRun(runId: string): RunSummary | undefined;
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
  since: number | null;
  until: number | null;
  before: number | null;
  limit: number;
}>;

export type NodeTimes = { target: string; ex: number | null; exn: number; rt: number | null; rtn: number; ok: number; bad: number };
export type JobSpan = { n: number; first_created: number | null; last_updated: number | null };
export type AnalyzeScope = 'parent' | 'job' | 'all';
export type OutputRow = { stream: 'stdout' | 'stderr'; data: string };
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
  listJobs(filter: ListJobsFilter | null, limit: number): Promise<SqlJob[]>;
  getTarget(jobId: string, target: string): Promise<SqlTarget | undefined>;
  output(jobId: string, target: string): Promise<OutputRow[]>;
  /** `target`'s output chunks in `runId`, jobs after seq `after`, in order (read lazily: callers stop early). */
  runOutput(runId: string, target: string, after: number): AsyncIterable<RunOutputRow>;
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
  insert(id: string, name: string, yaml: string, attachments: readonly LibraryAttachment[], now: number): Promise<void>;
  /** False when there is no such item. */
  update(id: string, name: string, yaml: string, attachments: readonly LibraryAttachment[], now: number): Promise<boolean>;
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
   * One small transaction: up to `batchJobs` jobs of the run, then the run once it is empty (and
   * still settled).
   */
  deleteChunk(runId: string, batchJobs: number): Promise<{ jobs: number; runDone: boolean }>;
  /** Bytes the stored data uses (not the file size: freed space is reused). */
  usedBytes(): Promise<number>;
}

// ---- teams: users, sessions, API tokens, audit, secrets (issue #18) ------------------------------

export type UserRow = Readonly<{
  name: string;
  role: Role;
  scope: string | null;
  /** scrypt hash (server/auth/passwords.ts); null for single-sign-on users. */
  passwordHash: string | null;
  source: 'local' | 'oidc';
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
export type SecretRow = Readonly<{ name: string; version: number; sealed: string; createdAt: number; updatedAt: number; updatedBy: string }>;

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
}

export interface Store {
  readonly jobs: JobsStore;
  readonly history: HistoryStore;
  readonly agents: AgentsStore;
  readonly enrolment: EnrolmentStore;
  readonly library: LibraryStore;
  readonly blobs: BlobsStore;
  readonly retention: RetentionStore;
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
