/**
 * `jobs:await` without polling: a waiter is released from the event-application path when the
 * last of its jobs settles, or by its timer.
 */
export type Awaiters = ReturnType<typeof createAwaiters>;

type Waiter = { pending: Set<string>; release: (how: 'settled' | 'timeout') => void };

export function createAwaiters() {
  const byJob = new Map<string, Set<Waiter>>();
  const waiters = new Set<Waiter>();

  function detach(w: Waiter): void {
    waiters.delete(w);
    for (const id of w.pending) {
      const set = byJob.get(id);
      set?.delete(w);
      if (set && set.size === 0) byJob.delete(id);
    }
  }

  return {
    /** Resolves when none of `jobIds` is open any more, or after `timeoutMs`. */
    wait(jobIds: readonly string[], isOpen: (jobId: string) => boolean, timeoutMs: number): Promise<'settled' | 'timeout'> {
      const pending = new Set(jobIds.filter(isOpen));
      if (pending.size === 0) return Promise.resolve('settled');
      return new Promise((resolve) => {
        const w: Waiter = {
          pending,
          release: (how) => {
            clearTimeout(timer);
            detach(w);
            resolve(how);
          },
        };
        const timer = setTimeout(() => w.release('timeout'), Math.max(0, timeoutMs));
        waiters.add(w);
        for (const id of pending) {
          let set = byJob.get(id);
          if (!set) byJob.set(id, (set = new Set()));
          set.add(w);
        }
      });
    },
    /** Called once a job's last target became final. */
    settled(jobId: string): void {
      const set = byJob.get(jobId);
      if (!set) return;
      byJob.delete(jobId);
      for (const w of [...set]) {
        w.pending.delete(jobId);
        if (w.pending.size === 0) w.release('settled');
      }
    },
    /** Releases every waiter (server shutdown): each answers with what is known. */
    dispose(): void {
      for (const w of [...waiters]) w.release('timeout');
    },
    get size() {
      return waiters.size;
    },
  };
}
