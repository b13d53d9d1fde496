/** History's rows (pure): internal runs nested under the run that caused them, titles, result counts. */
import type { TargetState } from '#protocol/jobs.js';
import type { RunSummary } from '#protocol/records.js';
import { stateLabel } from '#protocol/states.js';

export type HistoryRow = Readonly<{ run: RunSummary; children: readonly RunSummary[] }>;

/**
 * Runs in list order, each with the internal runs (`partOf`) listed after it. An internal run
 * whose run is not on this page (filtered out, or on a later page) stays a row of its own.
 */
export function nestRuns(list: readonly RunSummary[]): HistoryRow[] {
  const shown = new Set(list.map((r) => r.runId));
  const children = new Map<string, RunSummary[]>();
  for (const run of list) {
    if (run.partOf === null || !shown.has(run.partOf)) continue;
    const siblings = children.get(run.partOf) ?? [];
    // Oldest first under their run: the order they happened in.
    siblings.unshift(run);
    children.set(run.partOf, siblings);
  }
  return list.filter((r) => r.partOf === null || !shown.has(r.partOf)).map((run) => ({ run, children: children.get(run.runId) ?? [] }));
}

/** The file the run came from; for `exec` runs their command (`exec: RUN echo hi`). */
export function runTitle(run: Pick<RunSummary, 'source' | 'title' | 'kind'>): string {
  if (run.source) return run.source;
  if (run.title) return `${run.kind}: ${run.title}`;
  return run.kind;
}

const SHOWN: readonly TargetState[] = ['succeeded', 'failed', 'timed-out', 'lost', 'cancelled', 'running', 'dispatched', 'queued'];

/** "3 ok", "1 failed", "4 timed out"…: every state with a count, in one order. */
export function resultParts(counts: Readonly<Record<TargetState, number>>): { state: TargetState; text: string }[] {
  return SHOWN.filter((s) => (counts[s] ?? 0) > 0).map((state) => ({
    state,
    text: `${counts[state]} ${state === 'succeeded' ? 'ok' : stateLabel(state)}`,
  }));
}
