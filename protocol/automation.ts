/**
 * Runs that start themselves and news of them (issue #19): schedules (cron), notifications on run
 * events, and inbound triggers. Each request shape is a TypeBox schema (type + validator); secrets
 * appear only in the answers that create them, never in listings or exports.
 */
import { Type, type Static } from '@sinclair/typebox';

const Name = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.@-]+$' });
/** A target name or (once inventory patterns land, issue #16) a pattern: stored as typed, resolved at submit. */
const TargetPattern = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.:@*?\\[\\]!,-]+$' });

/** What a schedule or trigger runs: a saved Library orchestration (by name) or a file's text (the CLI reads it). */
export const AutomationSourceSchema = Type.Union([
  Type.Object({ library: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
  Type.Object(
    { file: Type.String({ minLength: 1, maxLength: 4096 }), text: Type.String({ minLength: 1, maxLength: 16 * 1024 * 1024 }) },
    { additionalProperties: false },
  ),
]);
export type AutomationSource = Static<typeof AutomationSourceSchema>;

// ---- schedules ------------------------------------------------------------------------------------

export const MISFIRE_POLICIES = ['skip', 'run-once'] as const;
export const OVERLAP_POLICIES = ['skip', 'queue', 'allow'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export const ScheduleAddSchema = Type.Object(
  {
    name: Name,
    /** Five fields, or six with seconds first (`*\/2 * * * * *`). */
    cron: Type.String({ minLength: 1, maxLength: 256 }),
    /** An IANA zone (`Europe/Paris`); default the server's. */
    tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    source: AutomationSourceSchema,
    target: Type.Optional(TargetPattern),
    vars: Type.Optional(Type.Record(Type.String({ maxLength: 128 }), Type.Unknown())),
    misfire: Type.Optional(Type.Union(MISFIRE_POLICIES.map((p) => Type.Literal(p)))),
    overlap: Type.Optional(Type.Union(OVERLAP_POLICIES.map((p) => Type.Literal(p)))),
  },
  { additionalProperties: false },
);
export type ScheduleAdd = Static<typeof ScheduleAddSchema>;

export const ScheduleNameSchema = Name;

export type ScheduleInfo = Readonly<{
  name: string;
  cron: string;
  tz: string | null;
  /** `library:NAME` or `file:PATH`. */
  source: string;
  libraryId: string | null;
  target: string | null;
  misfire: MisfirePolicy;
  overlap: OverlapPolicy;
  enabled: boolean;
  createdAt: number;
  /** The last fire time handled (run, skipped or queued); null before the first. */
  lastFiredAt: number | null;
  lastRunId: string | null;
  /** The next five fire times (ms since the epoch), empty when paused. */
  nextFires: readonly number[];
}>;

// ---- notifications ------------------------------------------------------------------------------

/**
 * Run events a notification may subscribe to. `halted` and `awaiting-approval` are the rollout
 * states of issue #17: declared here so notifications can name them before they exist.
 */
export const RUN_EVENTS = ['started', 'succeeded', 'failed', 'halted', 'awaiting-approval'] as const;
export type RunEvent = (typeof RUN_EVENTS)[number];

export const NotifyChannelSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('webhook'),
      url: Type.String({ minLength: 1, maxLength: 2048 }),
      secret: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('slack'), url: Type.String({ minLength: 1, maxLength: 2048 }) }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('email'), to: Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\s@<>,;]+@[^\\s@<>,;]+$' }) },
    { additionalProperties: false },
  ),
]);
export type NotifyChannel = Static<typeof NotifyChannelSchema>;

export const NotifyAddSchema = Type.Object(
  {
    name: Name,
    channel: NotifyChannelSchema,
    on: Type.Array(Type.Union(RUN_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, maxItems: RUN_EVENTS.length }),
    /** Only runs of this Library item (by name); global when absent. */
    library: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type NotifyAdd = Static<typeof NotifyAddSchema>;

export type NotifyInfo = Readonly<{
  name: string;
  kind: NotifyChannel['kind'];
  /** The URL or address; a URL's user info and query are masked (they often carry tokens). */
  destination: string;
  on: readonly RunEvent[];
  libraryId: string | null;
  hasSecret: boolean;
  createdAt: number;
}>;

export const DeliveriesRequestSchema = Type.Object(
  { name: Type.Optional(Name), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);

/** One delivery attempt's outcome, as logged. */
export type DeliveryInfo = Readonly<{
  id: number;
  notification: string;
  event: RunEvent;
  runId: string;
  attempt: number;
  status: 'delivered' | 'failed' | 'retrying';
  detail: string;
  at: number;
}>;

/** The body of a generic webhook (and what Slack and email messages are made from). */
export type RunEventPayload = Readonly<{
  event: RunEvent;
  run: Readonly<{
    runId: string;
    status: string;
    source: string | null;
    requestedBy: string;
    createdAt: number;
    finishedAt: number | null;
    targets: readonly string[];
  }>;
  /** Per host: how many of its jobs ended in each state. */
  hosts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  libraryId: string | null;
  /**
   * A schedule fire or trigger request whose run did not start because the Library item is still
   * running: sent as `failed` with no run of its own (`run.runId` is `skipped-…`), naming the running one.
   */
  notStarted?: Readonly<{ reason: string; runningRunId: string | null }>;
}>;

// ---- triggers -------------------------------------------------------------------------------------

export const TriggerAddSchema = Type.Object(
  {
    name: Name,
    source: AutomationSourceSchema,
    target: Type.Optional(TargetPattern),
    /** Top-level JSON fields (dotted paths allowed: `head_commit.id`) copied into the run's vars; others are ignored. */
    varsFrom: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$' }), { maxItems: 64 }),
    ),
    /**
     * `any` (default): a Bearer token or a GitHub-style `X-Hub-Signature-256` HMAC (the key is kept:
     * an HMAC cannot be checked against a hash); `bearer`: Bearer only, and only the secret's hash is stored.
     */
    auth: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('bearer')])),
  },
  { additionalProperties: false },
);
export type TriggerAdd = Static<typeof TriggerAddSchema>;

export type TriggerInfo = Readonly<{
  name: string;
  id: string;
  source: string;
  libraryId: string | null;
  target: string | null;
  varsFrom: readonly string[];
  auth: 'any' | 'bearer';
  createdAt: number;
  lastFiredAt: number | null;
}>;
/** Only in the answer to `triggers:add`: the secret is not stored in a form that can be shown again. */
export type TriggerCreated = TriggerInfo & Readonly<{ path: string; secret: string }>;

// ---- export/import of a Library item's automation (secrets excluded) ------------------------------

export type LibraryAutomation = Readonly<{
  schedules: ReadonlyArray<Omit<ScheduleAdd, 'source'>>;
  notifications: ReadonlyArray<Readonly<{ name: string; channel: NotifyChannel; on: readonly RunEvent[] }>>;
  triggers: ReadonlyArray<Omit<TriggerAdd, 'source'>>;
  /** The item's own settings (absent in files exported before they existed: the defaults). */
  settings?: Readonly<{ allowSimultaneous?: boolean }>;
}>;

/**
 * `library:restore-automation`: the item and what its export carried. Each schedule, notification and
 * trigger is then checked against its own add schema, so a bad one is reported by name, not the whole.
 */
export const RestoreAutomationSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 128 }),
    automation: Type.Object(
      {
        schedules: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 500 })),
        notifications: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 500 })),
        triggers: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 500 })),
        settings: Type.Optional(Type.Object({ allowSimultaneous: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
