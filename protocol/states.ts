/**
 * The one list of states the console, the CLI and the server show (issue #13 item 5): a host's
 * status in a run, a run's status in History, their labels and which state "wins" when several
 * apply. Timed-out, lost and cancelled are outcomes of their own, never folded into failed.
 * Plain data and pure functions: no TypeBox, so the renderer and the CLI load it cheaply.
 */
import type { TargetState } from './jobs.js';

/**
 * A run's status: running until every (job, host) is final, then its outcome. `halted` and
 * `awaiting-approval` are running runs whose rollout waits for an operator (issue #17).
 */
export const RUN_STATUSES = ['running', 'halted', 'awaiting-approval', 'succeeded', 'failed', 'timed-out', 'lost', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** What a run comes to once every (job, host) is final. */
export type SettledRunStatus = Exclude<RunStatus, 'running' | 'halted' | 'awaiting-approval'>;

/** A host's status within a run (the output view's panes and its summary strip). */
export const HOST_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'timed-out', 'lost', 'cancelled'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

/** The final states that are not success, in the order they win when a run has several. */
export const BAD_OUTCOMES = ['failed', 'timed-out', 'lost', 'cancelled'] as const;
export type BadOutcome = (typeof BAD_OUTCOMES)[number];

const LABELS: Readonly<Record<TargetState | RunStatus, string>> = {
  queued: 'queued',
  dispatched: 'dispatched',
  running: 'running',
  halted: 'halted',
  'awaiting-approval': 'awaiting approval',
  succeeded: 'succeeded',
  failed: 'failed',
  'timed-out': 'timed out',
  lost: 'lost',
  cancelled: 'cancelled',
};

export function stateLabel(state: TargetState | RunStatus): string {
  return LABELS[state];
}

export function isStateName(name: string): name is TargetState | RunStatus {
  return Object.hasOwn(LABELS, name);
}

export function isBadOutcome(state: TargetState): state is BadOutcome {
  return (BAD_OUTCOMES as readonly string[]).includes(state);
}

/**
 * What a host's run came to: the state of its first job (in run order) that did not succeed.
 * That is the cause; the jobs after it that Directord refuses to run ("a failure under this
 * parent") report `failed`, and must not turn a timed-out host into a failed one.
 * `states` are the host's (job) states in run order.
 */
export function hostStatusOf(states: readonly TargetState[]): HostStatus {
  if (states.length === 0) return 'queued';
  const cause = states.find(isBadOutcome);
  if (cause) return cause;
  if (states.every((s) => s === 'succeeded')) return 'succeeded';
  if (states.some((s) => s === 'running' || s === 'succeeded')) return 'running';
  return 'queued';
}

/**
 * A settled run's status from its hosts' causes (`hostStatusOf` of each host): cancelled when
 * the operator cancelled it; otherwise the first of failed, timed-out, lost, cancelled that some
 * host came to; succeeded when none did.
 */
export function runStatusOf(hostCauses: Iterable<BadOutcome | 'succeeded'>, cancelRequested: boolean): SettledRunStatus {
  if (cancelRequested) return 'cancelled';
  const seen = new Set(hostCauses);
  for (const bad of BAD_OUTCOMES) if (seen.has(bad)) return bad;
  return 'succeeded';
}
