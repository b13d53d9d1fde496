/**
 * Per-target states as the CLI groups them. Kept here (types only from protocol/) so the
 * exec path does not load the TypeBox schemas of protocol/jobs.ts at run time.
 */
import type { TargetState } from '../../protocol/jobs.js';
import type { JobRecord, TargetRecord } from '../../protocol/records.js';

const FINAL: ReadonlySet<TargetState> = new Set(['succeeded', 'failed', 'timed-out', 'lost', 'cancelled']);
/** Directord's FAILED list: every final state but success. */
const FAILED: ReadonlySet<TargetState> = new Set(['failed', 'timed-out', 'lost', 'cancelled']);

export const isFinal = (t: TargetRecord): boolean => FINAL.has(t.state);
export const isSucceeded = (t: TargetRecord): boolean => t.state === 'succeeded';
export const isFailed = (t: TargetRecord): boolean => FAILED.has(t.state);
/** Directord's PROCESSING: some target has not reached a final state yet. */
export const isProcessing = (job: JobRecord): boolean => job.targets.some((t) => !isFinal(t));

export function succeededTargets(job: JobRecord): string[] {
  return job.targets
    .filter(isSucceeded)
    .map((t) => t.target)
    .sort();
}

export function failedTargets(job: JobRecord): string[] {
  return job.targets
    .filter(isFailed)
    .map((t) => t.target)
    .sort();
}

/** Mean of the non-null values (Directord shows the mean over nodes), or null when there is none. */
export function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (present.length === 0) return null;
  return present.reduce((a, b) => a + b, 0) / present.length;
}
