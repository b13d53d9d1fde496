/**
 * Run events from the job flow's run summaries: `started` once when a run opens, then its end
 * (`succeeded`, `failed`, and the rollout states `halted` / `awaiting-approval` of issue #17 when
 * a run reports them). Listeners run after the state's turn has committed and must not block it:
 * each is called in a microtask of its own and its errors are logged, never thrown back.
 */
import { RUN_EVENTS, type RunEvent } from '../../protocol/automation.js';
import type { Logger } from '../../protocol/log.js';
import type { RunSummary } from '../../protocol/records.js';

export type RunEventListener = (event: RunEvent, run: RunSummary) => void | Promise<void>;

const END_EVENTS: ReadonlySet<string> = new Set(RUN_EVENTS.filter((e) => e !== 'started'));

/** Which event a summary is, given the last one sent for its run (null: nothing new). */
export function runEventOf(run: RunSummary, last: RunEvent | undefined): RunEvent | null {
  const status: string = run.status;
  if (status === 'running') return last === undefined ? 'started' : null;
  if (END_EVENTS.has(status) && last !== status) return status as RunEvent;
  return null;
}

export type RunEventHook = ReturnType<typeof createRunEventHook>;

export function createRunEventHook(log: Logger) {
  const listeners: RunEventListener[] = [];
  /** The last event per open run (dropped at its end: a run ends once, or pauses in halted/awaiting-approval). */
  const last = new Map<string, RunEvent>();
  return {
    listen(listener: RunEventListener): void {
      listeners.push(listener);
    },
    runUpdated(run: RunSummary): void {
      const event = runEventOf(run, last.get(run.runId));
      // A settled run (succeeded, failed, cancelled) is done with; a halted one may go on.
      if (run.finishedAt !== null) last.delete(run.runId);
      else if (event) last.set(run.runId, event);
      if (!event) return;
      for (const listener of listeners) {
        queueMicrotask(() => {
          Promise.resolve()
            .then(() => listener(event, run))
            .catch((error: unknown) => log.error('run event listener failed', { event, runId: run.runId, error: String(error) }));
        });
      }
    },
  };
}
