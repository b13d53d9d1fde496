/**
 * History retention (issue #5): settled runs older than `retentionDays`, and the oldest settled
 * runs while the database holds more than `retentionMaxBytes`, are deleted with their jobs,
 * targets and output. Open runs are never touched. A pass deletes in small transactions (at most
 * `batchJobs` jobs each) and yields to the event loop between them, so agents' results and `/ui`
 * requests are served while a large history is pruned. Freed pages are reused by SQLite; the
 * file itself does not shrink (no VACUUM on the hot path).
 */
import type { Logger } from '../../protocol/log.js';
import type { RetentionStore } from '../store/types.js';

export type RetentionOptions = Readonly<{
  /** Settled runs created more than this many days ago are deleted. */
  retentionDays?: number;
  /** While the database uses more than this (pages in use × page size), the oldest settled runs go. */
  retentionMaxBytes?: number;
  /** Jobs deleted per transaction. Default 200. */
  batchJobs?: number;
}>;

export type PruneReport = Readonly<{ runs: number; jobs: number; chunks: number; ms: number; longestChunkMs: number }>;

export type Retention = Readonly<{
  enabled: boolean;
  /** Runs one pass (or joins the running one); resolves with what it deleted. */
  prune(): Promise<PruneReport>;
  /** Bytes the database uses (pages in use × page size). */
  usedBytes(): Promise<number>;
  /** Stops after the current chunk and waits for it (before the database closes). */
  close(): Promise<void>;
}>;

const DAY_MS = 24 * 60 * 60 * 1000;

export type RetentionDeps = Readonly<{
  store: RetentionStore;
  options: RetentionOptions;
  clock: () => number;
  log: Logger;
  /** Rows of settled run `runId` were deleted (open work forgets what it kept of it). */
  deleted?: (runId: string) => void;
}>;

export function createRetention(deps: RetentionDeps): Retention {
  const { store, options, clock, log } = deps;
  const batchJobs = Math.max(1, options.batchJobs ?? 200);
  const enabled = (options.retentionDays ?? 0) > 0 || (options.retentionMaxBytes ?? 0) > 0;

  const usedBytes = () => store.usedBytes();

  /** The next run to delete: too old, else the oldest while over the size budget. */
  const nextVictim = async (): Promise<string | undefined> => {
    if (options.retentionDays && options.retentionDays > 0) {
      const old = await store.oldestSettled(clock() - options.retentionDays * DAY_MS);
      if (old) return old;
    }
    if (options.retentionMaxBytes && options.retentionMaxBytes > 0 && (await usedBytes()) > options.retentionMaxBytes)
      return store.oldestSettled(null);
    return undefined;
  };

  const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

  let running: Promise<PruneReport> | null = null;
  let closed = false;

  async function pass(): Promise<PruneReport> {
    const started = performance.now();
    let runs = 0;
    let jobs = 0;
    let chunks = 0;
    let longest = 0;
    let runId = await nextVictim();
    while (runId !== undefined && !closed) {
      const t0 = performance.now();
      let done: { jobs: number; runDone: boolean };
      try {
        done = await store.deleteChunk(runId, batchJobs);
        deps.deleted?.(runId);
      } catch (error) {
        log.warn('history pruning stopped; it resumes on the next pass', { error: String(error) });
        break;
      }
      longest = Math.max(longest, performance.now() - t0);
      chunks++;
      jobs += done.jobs;
      if (done.runDone) runs++;
      await yieldToIo();
      // A run whose last chunk found nothing but could not be deleted (reopened) stops the pass.
      if (!done.runDone && done.jobs === 0) break;
      runId = done.runDone ? await nextVictim() : runId;
    }
    const report = { runs, jobs, chunks, ms: Math.round(performance.now() - started), longestChunkMs: Math.round(longest * 10) / 10 };
    if (runs || jobs) log.info('history pruned', { ...report, usedMb: Math.round((await usedBytes()) / 1e5) / 10 });
    return report;
  }

  return {
    enabled,
    prune: () => {
      if (!enabled || closed) return Promise.resolve({ runs: 0, jobs: 0, chunks: 0, ms: 0, longestChunkMs: 0 });
      running ??= pass().finally(() => {
        running = null;
      });
      return running;
    },
    usedBytes,
    async close() {
      closed = true;
      await running;
    },
  };
}
