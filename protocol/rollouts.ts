/**
 * Safe rollouts (issue #17): an orchestration entry may run on its hosts in waves (`serial`), halt
 * when too many fail (`max_fail_percentage`), pause or wait for an operator's approval between
 * waves, or cap how many hosts run it at once (`concurrency`). These are our extension to
 * Directord's entry keys; an entry without them runs exactly as Directord runs it.
 */
import { Type, type Static } from '@sinclair/typebox';

/** A wave size: a host count (`1`) or a share of the entry's hosts (`"25%"`). */
export const WaveSizeSchema = Type.Union([
  Type.Integer({ minimum: 1, maximum: 100_000 }),
  Type.String({ pattern: '^(?:100|[1-9]?[0-9](?:\\.[0-9]+)?)%$', maxLength: 8 }),
]);
export type WaveSize = Static<typeof WaveSizeSchema>;

/** `serial:` one size, or a list whose last size repeats (as Ansible's `serial`). */
export const SerialSchema = Type.Union([WaveSizeSchema, Type.Array(WaveSizeSchema, { minItems: 1, maxItems: 100 })]);
export type Serial = Static<typeof SerialSchema>;

/** The rollout keys of one entry, as they travel in a submission (camelCase of the YAML keys). */
export const RolloutKeysSchema = {
  serial: Type.Optional(SerialSchema),
  /** `order: shuffle` mixes the hosts before they are cut into waves; default: the entry's target order. */
  order: Type.Optional(Type.Union([Type.Literal('inventory'), Type.Literal('shuffle')])),
  /** Share (0–100) of the entry's hosts that may fail (failed, timed-out, lost) before the rollout halts. */
  maxFailPercentage: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  /** Seconds to wait between waves. */
  pause: Type.Optional(Type.Number({ minimum: 0, maximum: 7 * 24 * 3600 })),
  /** Wait for an operator's approval before each wave after the first. */
  approve: Type.Optional(Type.Boolean()),
  /** At most this many hosts run the entry at once (no halting). */
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
};

/** Where a rollout stands. `done`: every wave released and finished; `aborted`: the operator stopped it. */
export const ROLLOUT_STATES = ['running', 'paused', 'awaiting-approval', 'halted', 'done', 'aborted'] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

/** Why a rollout halted: the wave that ended, its failed hosts, and the threshold that was passed. */
export type HaltReason = Readonly<{
  /** 0-based index of the wave after which it halted. */
  wave: number;
  /** Hosts of the entry that failed so far (not accepted by an earlier resume). */
  hosts: readonly string[];
  failed: number;
  total: number;
  maxFailPercentage: number;
}>;

export type WaveState = 'pending' | 'running' | 'done';

/** One entry's rollout, as the console and CLI see it. */
export type EntryRollout = Readonly<{
  entry: number;
  name: string | null;
  mode: 'serial' | 'concurrency';
  /** The entry's jobs (whose results end a wave). */
  jobIds: readonly string[];
  /** Hosts per wave, in order (concurrency: one host per "wave"). */
  waves: readonly (readonly string[])[];
  /** How many waves have been released for dispatch. */
  released: number;
  state: RolloutState;
  haltReason: HaltReason | null;
  /** When a paused rollout releases its next wave (epoch ms). */
  resumeAt: number | null;
  maxFailPercentage: number;
  approve: boolean;
  pause: number;
  concurrency: number | null;
}>;

/** A run's rollouts; its `state` is the most pressing one of its entries'. */
export type RunRollout = Readonly<{ runId: string; state: RolloutState; entries: readonly EntryRollout[] }>;

export const ROLLOUT_ACTIONS = ['approve', 'resume', 'retry', 'abort'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

export const RolloutActionSchema = Type.Object({
  runId: Type.String({ minLength: 1, maxLength: 128 }),
  action: Type.Union(ROLLOUT_ACTIONS.map((a) => Type.Literal(a))),
});
export type RolloutActionRequest = Static<typeof RolloutActionSchema>;

export type RolloutActionResult = Readonly<{
  rollout: RunRollout;
  /** `retry`: the re-run of the failed (job, host) pairs. */
  retryRunId?: string;
  /** `abort`: how many (job, host) pairs were cancelled. */
  cancelled?: number;
}>;

/** Per host of a job, its wave as `N of M` (for `manage --job-info`); empty when the job is in no rollout. */
export function wavesOfJob(rollout: RunRollout | null | undefined, jobId: string): Map<string, string> {
  const out = new Map<string, string>();
  const entry = rollout?.entries.find((e) => e.jobIds.includes(jobId));
  entry?.waves.forEach((hosts, i) => hosts.forEach((h) => out.set(h, `${i + 1} of ${entry.waves.length}`)));
  return out;
}
