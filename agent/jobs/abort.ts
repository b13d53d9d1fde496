/**
 * A job's abort (timeout, cancel, agent shutdown). Node's AbortController, and the EventTarget
 * listeners each executor and race would add to its signal, cost a short job more than its own
 * bookkeeping; so the AbortSignal is made only when a component asks for one (`ctx.signal`), and
 * the agent's own code listens through {@link JobAbort.onAbort}.
 */
import type { AbortHook } from '../exec/types.js';

/** Why a job's AbortController fired. */
export type AbortReason = 'timeout' | 'cancel' | 'shutdown';

export class JobAbort implements AbortHook {
  private why: AbortReason | undefined;
  private controller: AbortController | undefined;
  private listeners: Array<() => void> = [];

  get aborted(): boolean {
    return this.why !== undefined;
  }

  get reason(): AbortReason | undefined {
    return this.why;
  }

  /** The AbortSignal components see; made on first use, already aborted when the job is. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.why !== undefined) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  /** Aborts once; later calls keep the first reason. */
  abort(reason: AbortReason): void {
    if (this.why !== undefined) return;
    this.why = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  onAbort(listener: () => void): () => void {
    if (this.why === undefined) this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }
}
