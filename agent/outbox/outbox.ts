/**
 * The durable outbox: every job event is journaled under the cache dir before it is sent, and
 * forgotten only once the server acks the batch that carried it. Sending is at-least-once (a
 * reconnect or a restart resends whatever was not acked, in order); the server dedupes by key,
 * which together gives exactly-once results.
 *
 * Events pushed in one event-loop turn travel in one `job:events` batch; with nothing in flight
 * a batch leaves at the end of the turn, and while one is in flight the next accumulates.
 */
import type { JobEvent, JobEventBatch } from '../../protocol/jobs.js';
import type { Logger } from '../../protocol/log.js';
import { LIMITS } from '../../protocol/version.js';
import { Journal } from '../cache/journal.js';

export type SendResult = { ok: true } | { ok: false; retry: boolean; message: string };
export type BatchSender = (batch: JobEventBatch) => Promise<SendResult>;

/** `at`: when it was pushed (0 for events loaded from disk: they are sent at once). */
type Entry = { id: number; event: JobEvent; at: number };
type OutboxOp = { o: 'add'; i: number; e: JobEvent } | { o: 'ack'; t: number };

/** Keep batches well under the largest Socket.IO message. */
const MAX_BATCH_BYTES = Math.floor(LIMITS.maxMessageBytes / 2);
const RETRY_MS = 1000;
/**
 * A batch holding nothing but `started` events waits up to this long for more: a fast job's
 * `finished` then travels with its `started`, one batch and one server transaction instead of
 * two. Results never wait (anything else in the outbox sends at once); live views see "running"
 * at most this much later.
 */
export const STARTED_COALESCE_MS = 15;
/**
 * While the agent still has jobs queued, events wait up to this long for more before they are
 * sent: back-to-back fast jobs then share batches, acks and server transactions (each batch cost
 * the agent and the server more CPU than a fast job's own bookkeeping). The last job's result,
 * and any result when nothing is queued, is sent at once, so a run's end and single `exec`s
 * never wait; live views lag by at most this much while a backlog runs.
 */
export const BUSY_COALESCE_MS = 50;
/** …unless this many events are already waiting. */
const BUSY_COALESCE_MAX_EVENTS = 256;

export type OutboxOptions = Readonly<{
  dir: string;
  log: Logger;
  compactAfterOps?: number;
  /** True while more jobs are queued behind the running ones (results may then wait briefly). */
  moreComing?: () => boolean;
}>;

export class Outbox {
  private entries: Entry[] = [];
  private head = 0;
  private nextId = 1;
  private inflight = 0;
  private batchNo = 0;
  private sender: BatchSender | null = null;
  private generation = 0;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private coalesceTimer: NodeJS.Timeout | undefined;
  private readonly journal: Journal<OutboxOp>;
  private readonly log: Logger;
  private drainWaiters: Array<() => void> = [];
  private sentBatches = 0;
  private readonly moreComing: () => boolean;

  constructor(options: OutboxOptions) {
    this.log = options.log;
    this.moreComing = options.moreComing ?? (() => false);
    this.journal = new Journal<OutboxOp>({
      dir: options.dir,
      name: 'outbox',
      log: options.log,
      loadSnapshot: (data) => this.loadSnapshot(data),
      apply: (op) => this.apply(op),
      snapshot: () => ({ v: 1, next: this.nextId, entries: this.pendingEntries().map((e) => ({ i: e.id, e: e.event })) }),
      compactAfterOps: options.compactAfterOps,
    });
  }

  /** Events not yet acked by the server. */
  get size(): number {
    return this.entries.length - this.head;
  }

  get stats(): Readonly<{ pending: number; batchesSent: number }> {
    return { pending: this.size, batchesSent: this.sentBatches };
  }

  /** Unacked events (oldest first), e.g. to learn what a restarted agent had sent. */
  pendingEvents(): JobEvent[] {
    return this.pendingEntries().map((e) => e.event);
  }

  push(event: JobEvent): void {
    const op: OutboxOp = { o: 'add', i: this.nextId, e: event };
    this.apply(op, Date.now());
    // A `started` lost in a crash costs nothing: the restarted agent reports the job as
    // interrupted (its cache marked it running), with a `finished` that carries the times.
    if (event.type !== 'started') this.journal.append(op);
    this.schedule();
  }

  /** Connected and greeted: (re)send everything not acked, oldest first. */
  attach(sender: BatchSender): void {
    this.generation += 1;
    this.inflight = 0;
    this.sender = sender;
    clearTimeout(this.retryTimer);
    this.schedule();
  }

  /** Disconnected: a batch in flight counts as not sent. */
  detach(): void {
    this.generation += 1;
    this.inflight = 0;
    this.sender = null;
    clearTimeout(this.retryTimer);
    clearTimeout(this.coalesceTimer);
    this.coalesceTimer = undefined;
  }

  /** Resolves true once everything is acked, false after `timeoutMs`. */
  whenDrained(timeoutMs: number): Promise<boolean> {
    if (this.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(done);
    });
  }

  close(): void {
    this.detach();
    this.journal.close();
  }

  private pendingEntries(): Entry[] {
    return this.entries.slice(this.head);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const sender = this.sender;
    if (!sender || this.inflight > 0 || this.size === 0) return;
    const hold = this.holdMs();
    if (hold > 0) {
      this.coalesceTimer ??= setTimeout(() => {
        this.coalesceTimer = undefined;
        this.pump();
      }, hold);
      return;
    }
    clearTimeout(this.coalesceTimer);
    this.coalesceTimer = undefined;
    // What we send must already be in the kernel, or a crash could lose an unacked event.
    this.journal.writePending();
    const events: JobEvent[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.entries.length && events.length < LIMITS.maxBatchEvents; i++) {
      const event = (this.entries[i] as Entry).event;
      const size = event.type === 'output' ? event.data.length * 3 + 200 : event.type === 'finished' ? event.info.length * 3 + 300 : 100;
      if (events.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
      events.push(event);
      bytes += size;
    }
    const lastId = (this.entries[this.head + events.length - 1] as Entry).id;
    const generation = this.generation;
    this.inflight = events.length;
    const batch: JobEventBatch = { batch: this.batchNo++, sentAt: Date.now(), events: withoutSupersededStarts(events) };
    this.sentBatches += 1;
    sender(batch).then(
      (result) => this.settle(generation, lastId, result),
      (error: unknown) => this.settle(generation, lastId, { ok: false, retry: true, message: String(error) }),
    );
  }

  /** How much longer the pending events should wait for more (0: send now). */
  private holdMs(): number {
    if (this.size < BUSY_COALESCE_MAX_EVENTS && this.moreComing()) {
      const pushed = (this.entries[this.head] as Entry).at;
      return Math.max(0, Math.min(BUSY_COALESCE_MS, pushed + BUSY_COALESCE_MS - Date.now()));
    }
    let oldest = Infinity;
    for (let i = this.head; i < this.entries.length; i++) {
      const event = (this.entries[i] as Entry).event;
      if (event.type !== 'started') return 0;
      oldest = Math.min(oldest, event.at);
    }
    return Math.max(0, Math.min(STARTED_COALESCE_MS, oldest + STARTED_COALESCE_MS - Date.now()));
  }

  private settle(generation: number, lastId: number, result: SendResult): void {
    if (generation !== this.generation) return; // a reconnect resent these already
    this.inflight = 0;
    if (result.ok) {
      this.ack(lastId);
    } else if (result.retry) {
      this.log.warn('job:events batch not acked; will retry', { message: result.message });
      this.retryTimer = setTimeout(() => this.pump(), RETRY_MS);
      this.retryTimer.unref();
      return;
    } else {
      // The server refused the batch as malformed: resending it would block every later result.
      this.log.error('job:events batch refused by the server; dropping it', { message: result.message, upTo: lastId });
      this.ack(lastId);
    }
    this.pump();
  }

  private ack(lastId: number): void {
    const op: OutboxOp = { o: 'ack', t: lastId };
    this.apply(op);
    // Lost in a crash, an ack only means these events are sent again, and the server ignores
    // what it already has.
    this.journal.appendLazy(op);
    if (this.size === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  private apply(op: OutboxOp, at = 0): void {
    if (op.o === 'add') {
      if (op.i < this.nextId) return; // replayed over a snapshot that has it
      this.entries.push({ id: op.i, event: op.e, at });
      this.nextId = op.i + 1;
    } else if (op.o === 'ack') {
      while (this.head < this.entries.length && (this.entries[this.head] as Entry).id <= op.t) this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
        this.head = 0;
      }
    }
  }

  private loadSnapshot(data: unknown): void {
    const snap = data as { v?: number; next?: number; entries?: Array<{ i: number; e: JobEvent }> };
    if (snap?.v !== 1 || !Array.isArray(snap.entries)) return;
    this.entries = snap.entries.map((x) => ({ id: x.i, event: x.e, at: 0 }));
    this.head = 0;
    this.nextId = Math.max(snap.next ?? 1, (this.entries.at(-1)?.id ?? 0) + 1);
  }
}

/**
 * The batch without the `started` events of jobs whose `finished` travels in it too: the result
 * carries the start time, and the server would only write the target twice in one transaction.
 */
function withoutSupersededStarts(events: JobEvent[]): JobEvent[] {
  let finished: Set<string> | undefined;
  for (const event of events) if (event.type === 'finished') (finished ??= new Set()).add(event.jobId);
  if (!finished) return events;
  const done = finished;
  return events.filter((event) => event.type !== 'started' || !done.has(event.jobId));
}
