/**
 * Jobs as they travel: what a client submits, what the server dispatches to an agent,
 * and what an agent reports back. Each shape is a TypeBox schema so one declaration
 * gives the TypeScript type, the runtime validator and JSON for the UI.
 */
import { Type, type Static } from '@sinclair/typebox';
import { RolloutKeysSchema } from './rollouts.js';

/** Per-target states of a job (issue #2): queued → dispatched → running → final. */
export const TARGET_STATES = ['queued', 'dispatched', 'running', 'succeeded', 'failed', 'timed-out', 'lost', 'cancelled'] as const;
export type TargetState = (typeof TARGET_STATES)[number];
export const FINAL_STATES: ReadonlySet<TargetState> = new Set(['succeeded', 'failed', 'timed-out', 'lost', 'cancelled']);
export function isFinalState(state: TargetState): boolean {
  return FINAL_STATES.has(state);
}

/** The outcomes an agent may report for a job it ran. */
export const AGENT_OUTCOMES = ['succeeded', 'failed', 'timed-out', 'cancelled'] as const;
export type AgentOutcome = (typeof AGENT_OUTCOMES)[number];

const Str = (max = 4096) => Type.String({ maxLength: max });
const Id = Type.String({ minLength: 1, maxLength: 128 });
/** Identity names: host-like names, no whitespace or control characters. */
export const IdentitySchema = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.:@-]+$' });
/**
 * A target as written: an identity or a host pattern (`web:!web-3`, `label:env=prod`; see
 * protocol/inventory/pattern.ts). The server resolves patterns to identities before planning.
 */
export const TargetPatternSchema = Type.String({ minLength: 1, maxLength: 4096, pattern: '^[^\\x00-\\x1f\\x7f]+$' });
/** Where a submission named targets by pattern, and the patterns (kept with the run: History, re-run on current inventory). */
export const TargetPatternsSchema = Type.Array(
  Type.Object({
    at: Type.String({ maxLength: 64, pattern: '^(targets|entries\\[\\d+\\]\\.targets|entries\\[\\d+\\]\\.jobs\\[\\d+\\]\\.assign)$' }),
    patterns: Type.Array(TargetPatternSchema, { minItems: 1, maxItems: 1000 }),
  }),
  { maxItems: 20000 },
);
export type TargetPatterns = Static<typeof TargetPatternsSchema>;
export const Sha224Schema = Type.String({ pattern: '^[0-9a-f]{56}$' });

/** One source file of an ADD/COPY job, as resolved and uploaded (as a blob) by the operator side. */
export const SourceFileSchema = Type.Object({
  /** The file's base name (the destination name when DEST is a directory). */
  name: Type.String({ minLength: 1, maxLength: 255, pattern: '^(?!\\.\\.?$)[^/\\x00]+$' }),
  /** SHA3-224 of the content: the blob's name. */
  sha: Sha224Schema,
  size: Type.Integer({ minimum: 0, maximum: 64 * 1024 * 1024 }),
  /** Permission bits of the source (informational; --chmod sets the destination's). */
  mode: Type.Integer({ minimum: 0, maximum: 0o7777 }),
});
export type SourceFile = Static<typeof SourceFileSchema>;

/** One job as submitted by the CLI or the console: a verb and its Directord job string. */
export const JobSubmissionSchema = Type.Object({
  verb: Type.String({ minLength: 1, maxLength: 64 }),
  /** The job string, e.g. `--skip-cache echo hello world` (spec 3.3). */
  text: Str(1024 * 1024),
  name: Type.Optional(Str(1024)),
  /** Job-level targets (`assign`); wins over everything else. */
  assign: Type.Optional(Type.Array(TargetPatternSchema, { maxItems: 10000 })),
  /** Overrides of parsed options by their underscored name (spec 3.1). */
  vars: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** Where this job was written, for error messages. */
  location: Type.Optional(Type.Object({ line: Type.Integer(), column: Type.Integer() })),
  /**
   * ADD/COPY: the source files the operator side expanded from the job string's SOURCE
   * patterns, in order, each already uploaded with `blobs:put`.
   */
  files: Type.Optional(Type.Array(SourceFileSchema, { maxItems: 10000 })),
});
export type JobSubmission = Static<typeof JobSubmissionSchema>;

/** One orchestration entry ("parent"). */
export const EntrySubmissionSchema = Type.Object({
  name: Type.Optional(Str(1024)),
  targets: Type.Optional(Type.Array(TargetPatternSchema, { maxItems: 10000 })),
  async: Type.Optional(Type.Boolean()),
  /** SHA3-224 of the entry as loaded from YAML (spec 1.4). */
  sha: Type.Optional(Sha224Schema),
  jobs: Type.Array(JobSubmissionSchema, { minItems: 1, maxItems: 20000 }),
  location: Type.Optional(Type.Object({ line: Type.Integer(), column: Type.Integer() })),
  /** Waves, thresholds, approvals and concurrency (issue #17; protocol/rollouts.ts). */
  ...RolloutKeysSchema,
});
export type EntrySubmission = Static<typeof EntrySubmissionSchema>;

/** A whole submission: `exec` is one entry with one job; `orchestrate` is a list of entries. */
export const RunSubmissionSchema = Type.Object({
  kind: Type.Union([Type.Literal('exec'), Type.Literal('orchestrate')]),
  /** File name(s) the orchestration came from, for history and error messages. */
  source: Type.Optional(Str(4096)),
  /** The orchestration's text as submitted, kept with the run for re-runs. */
  sourceText: Type.Optional(Str(16 * 1024 * 1024)),
  entries: Type.Array(EntrySubmissionSchema, { minItems: 1, maxItems: 10000 }),
  /** CLI `--target`: replaces entry targets, not job `assign`. */
  targets: Type.Optional(Type.Array(TargetPatternSchema, { maxItems: 10000 })),
  /** Set by the server: the patterns this (resolved) submission was written with. */
  targetPatterns: Type.Optional(TargetPatternsSchema),
  /** Only jobs whose SHA is listed run; the others are reported as skipped (spec 3.2, bug 9.8 fixed). */
  restrict: Type.Optional(Type.Array(Sha224Schema)),
  ignoreCache: Type.Optional(Type.Boolean()),
  forceAsync: Type.Optional(Type.Boolean()),
  /** Who asked: `cli`, `console`, a user name. */
  requestedBy: Type.Optional(Str(256)),
  /** Re-run of an earlier run, if any. */
  rerunOf: Type.Optional(Id),
  /** CLI `--concurrency N`: caps every entry's hosts running at once (an entry's own key wins). */
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  /**
   * The Library item this run is of (the console's Deploy of an opened item, a schedule, a
   * trigger): stored with the run, and refused while another run of it is not finished unless the
   * item allows simultaneous runs (`already-running`).
   */
  libraryId: Type.Optional(Id),
});
export type RunSubmission = Static<typeof RunSubmissionSchema>;

export type SubmittedJob = Readonly<{
  jobId: string;
  parentId: string;
  sha: string;
  verb: string;
  targets: readonly string[];
  skipped?: string;
}>;
/** `rollout`: an entry runs in waves or under a concurrency cap (follow it with `rollouts:get`). */
export type RunSubmitted = Readonly<{ runId: string; jobs: readonly SubmittedJob[]; rollout?: boolean }>;

/** A job as the server sends it to one agent. */
export const DispatchedJobSchema = Type.Object({
  jobId: Id,
  runId: Id,
  parentId: Id,
  parentName: Type.Optional(Str(1024)),
  jobName: Type.Optional(Str(1024)),
  verb: Type.String({ minLength: 1, maxLength: 64 }),
  /** The component's parsed arguments (snake_case, as in Directord's job JSON). */
  args: Type.Record(Type.String(), Type.Unknown()),
  sha: Sha224Schema,
  timeout: Type.Number({ minimum: 0 }),
  skipCache: Type.Boolean(),
  parentAsync: Type.Boolean(),
  stdoutArg: Type.Optional(Str(256)),
  stderrArg: Type.Optional(Str(256)),
  /** Template variables from the orchestration (`vars` not matching an option). */
  vars: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /**
   * This host's inventory vars (issue #16), under the ARG cache and `vars` when templates render
   * (protocol/inventory/vars.ts); set per agent at dispatch.
   */
  inventoryVars: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /**
   * The values of the secrets the job's templates use (`{{ secrets.NAME }}`, issue #18), resolved by
   * the server per agent at dispatch and sent only in this message over `/agent`. Never stored: the
   * job's own fields keep the template. The agent renders them as `secrets.NAME`, masks them in
   * everything the job reports and keeps them in memory only.
   */
  secrets: Type.Optional(
    Type.Array(
      Type.Object({ name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }), value: Type.String({ maxLength: 65_536 }) }),
      { maxItems: 256 },
    ),
  ),
});
export type DispatchedJob = Static<typeof DispatchedJobSchema>;

/** What an agent reports; batched, each keyed so the server applies it once. */
export const JobEventSchema = Type.Union([
  Type.Object({ type: Type.Literal('started'), jobId: Id, at: Type.Number() }),
  Type.Object({
    type: Type.Literal('output'),
    jobId: Id,
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    /** Per (job, stream) sequence number starting at 0; duplicates are ignored. */
    seq: Type.Integer({ minimum: 0 }),
    data: Type.String({ maxLength: 256 * 1024 }),
  }),
  Type.Object({
    type: Type.Literal('finished'),
    jobId: Id,
    outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('timed-out'), Type.Literal('cancelled')]),
    info: Type.String({ maxLength: 64 * 1024 }),
    exitCode: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    /** Seconds spent in the component (0 for cache hits). */
    executionTime: Type.Number({ minimum: 0 }),
    /** When the component started and the result was produced (epoch ms, agent clock). */
    startedAt: Type.Number(),
    finishedAt: Type.Number(),
    cached: Type.Optional(Type.Boolean()),
    /** Number of output chunks sent per stream, so the server can tell when it has all of them. */
    stdoutChunks: Type.Integer({ minimum: 0 }),
    stderrChunks: Type.Integer({ minimum: 0 }),
  }),
]);
export type JobEvent = Static<typeof JobEventSchema>;
export type FinishedEvent = Extract<JobEvent, { type: 'finished' }>;
export type OutputEvent = Extract<JobEvent, { type: 'output' }>;

export const JobEventBatchSchema = Type.Object({
  /** Monotonic per agent process; lets the server log gaps. */
  batch: Type.Integer({ minimum: 0 }),
  /**
   * The agent's clock when it sent the batch. The server reads the events' own times (`at`,
   * `startedAt`, `finishedAt`) against it, so results that waited in the agent's outbox (batched,
   * or kept through a disconnect) keep their real times, whatever the agents' clock offsets.
   */
  sentAt: Type.Optional(Type.Number()),
  events: Type.Array(JobEventSchema, { maxItems: 5000 }),
});
export type JobEventBatch = Static<typeof JobEventBatchSchema>;
