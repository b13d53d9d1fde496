/**
 * Applies an agent's `job:events` batch: one transaction per batch, idempotent (output keyed by
 * seq, a final state applied once), only for jobs dispatched to that agent. Output is stored up
 * to the cap per (job, target, stream), then one truncation marker.
 */
import { isFinalState, type JobEvent, type JobEventBatch, type OutputEvent } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import { TRUNCATION_MARKER } from '../../protocol/version.js';
import type { JobsObserver, JobsState, LostTarget, Work } from './jobs.state.js';
import type { JobsWrites } from '../store/types.js';
import { isStorageFull, type StorageGuard } from '../util/storage.js';
import { streamTruncated, type LiveTarget } from './live.js';

export type EventsService = ReturnType<typeof createEventsService>;

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8 without splitting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

export function createEventsService(
  deps: Readonly<{
    state: JobsState;
    observer: Pick<JobsObserver, 'wantsOutput'>;
    outputCapBytes: number;
    log: Logger;
    /** Sees every new output chunk (QUERY answers). */
    onOutput?: (t: LiveTarget, stream: 'stdout' | 'stderr', data: string) => void;
    /** Turns a full data dir into a `storage-full` refusal (the agent keeps the batch and retries). */
    storage?: StorageGuard;
  }>,
) {
  const { state, log } = deps;
  const cap = deps.outputCapBytes;

  function appendOutput(work: Work, tx: JobsWrites, t: LiveTarget, ev: OutputEvent): void {
    const stream = ev.stream;
    if (ev.seq > t.lastSeq[stream]) t.lastSeq[stream] = ev.seq;
    if (streamTruncated(t, stream, cap)) return;
    const current = stream === 'stdout' ? t.stdoutBytes : t.stderrBytes;
    let data = ev.data;
    let bytes = Buffer.byteLength(data, 'utf8');
    let truncating = false;
    if (current + bytes > cap) {
      data = utf8Prefix(data, cap - current) + TRUNCATION_MARKER;
      bytes = cap - current;
      truncating = true;
    }
    if (!tx.insertChunk(t.jobId, t.target, stream, ev.seq, data)) return;
    deps.onOutput?.(t, stream, data);
    if (stream === 'stdout') t.stdoutBytes = current + bytes;
    else t.stderrBytes = current + bytes;
    if (truncating) {
      t.truncated = true;
      t.cut[stream] = true;
      log.info('output truncated at the cap', { jobId: t.jobId, target: t.target, stream, capBytes: cap });
    }
    work.dirty.add(t);
    if (deps.observer.wantsOutput(t.runId)) work.outputs.push({ runId: t.runId, jobId: t.jobId, target: t.target, stream, data });
  }

  /**
   * An agent time on the server's clock: `offset` is the server's receive time minus the batch's
   * `sentAt` (null for agents that do not send it: then the receive time), kept between the
   * target's queue time and now.
   */
  function serverTime(work: Work, t: LiveTarget, agentTime: number, offset: number | null): number {
    if (offset === null || !Number.isFinite(agentTime)) return work.now;
    return Math.min(work.now, Math.max(t.queuedAt, Math.round(agentTime + offset)));
  }

  function applyOne(work: Work, tx: JobsWrites, t: LiveTarget, ev: JobEvent, offset: number | null): void {
    switch (ev.type) {
      case 'started':
        state.start(work, t, serverTime(work, t, ev.at, offset));
        return;
      case 'output':
        appendOutput(work, tx, t, ev);
        state.outputStored(t);
        return;
      case 'finished': {
        if (isFinalState(t.state)) return;
        const job = state.openJob(t.jobId);
        const finishedAt = serverTime(work, t, ev.finishedAt, offset);
        // A started event may never have come (a cache hit, a job refused before it ran).
        const startedAt = t.startedAt ?? serverTime(work, t, ev.startedAt, offset);
        state.finish(
          work,
          t,
          ev.outcome,
          {
            info: ev.info,
            exitCode: ev.exitCode ?? null,
            cached: ev.cached === true,
            executionTime: ev.executionTime,
            roundtripTime: job ? Math.max(0, finishedAt - job.createdAt) / 1000 : null,
            dispatchedAt: t.dispatchedAt ?? startedAt,
            finishedAt: Math.max(finishedAt, startedAt),
          },
          { stdout: ev.stdoutChunks, stderr: ev.stderrChunks },
        );
        return;
      }
      default: {
        const unknownEvent: never = ev;
        log.warn('unknown job event ignored', { event: String(unknownEvent) });
      }
    }
  }

  /** A batch event for a target already marked lost: its late output lands and its result replaces `lost` once. */
  function applyLate(work: Work, tx: JobsWrites, l: LostTarget, ev: JobEvent, offset: number | null): void {
    if (ev.type === 'output') appendOutput(work, tx, l.target, ev);
    else if (ev.type === 'finished') {
      const finishedAt = serverTime(work, l.target, ev.finishedAt, offset);
      state.replaceLost(
        work,
        l,
        ev.outcome,
        {
          info: ev.info,
          exitCode: ev.exitCode ?? null,
          cached: ev.cached === true,
          executionTime: ev.executionTime,
          roundtripTime: Math.max(0, finishedAt - l.target.queuedAt) / 1000,
          finishedAt,
        },
        { stdout: ev.stdoutChunks, stderr: ev.stderrChunks },
      );
    }
  }

  return {
    /**
     * Applies a validated batch from `identity` in this turn's transaction; resolves after the
     * commit. Events for jobs it was not given are ignored.
     */
    apply(identity: string, batch: JobEventBatch): Promise<Result<{ applied: number }>> {
      return new Promise((resolve) => {
        let applied = 0;
        let ignored = 0;
        state.applyResults(
          (work, tx) => {
            const offset = batch.sentAt === undefined ? null : work.now - batch.sentAt;
            for (const ev of batch.events) {
              const t = state.agentTarget(identity, ev.jobId);
              if (!t) {
                const late = state.lostTarget(identity, ev.jobId, work.now);
                if (late) {
                  applyLate(work, tx, late, ev, offset);
                  applied++;
                } else ignored++;
                continue;
              }
              applyOne(work, tx, t, ev, offset);
              applied++;
            }
          },
          (committed) => {
            if (!committed) {
              const error = state.lastCommitError();
              return resolve(
                isStorageFull(error) && deps.storage
                  ? deps.storage.full('a batch of job results', error)
                  : fail('internal', 'the results could not be stored; send them again'),
              );
            }
            deps.storage?.recovered();
            if (ignored) log.debug('events for jobs not open on this agent ignored', { identity, ignored, batch: batch.batch });
            resolve(ok({ applied }));
          },
        );
      });
    },
  };
}
