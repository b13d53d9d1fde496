/**
 * A durable, append-only JSON-lines journal with a snapshot, for the agent's cache and outbox
 * (plain files: the agent runs on hosts without native modules).
 *
 * - Ops are buffered and written with one `write` per event-loop turn, so thousands of jobs
 *   cost a few hundred small writes, not thousands of fsyncs. Data is in the kernel as soon as
 *   the turn ends, which is what survives an agent crash or restart; an fdatasync follows within a
 *   second (power loss), and `flush()`/`close()` sync at once.
 * - Replaying ops over the snapshot must be idempotent (set/delete/clear-style ops): a crash
 *   between writing a snapshot and truncating the journal replays ops the snapshot already has.
 * - A torn last line (crash mid-write) is ignored and cut off on open.
 * - When the journal has grown past a threshold, the owner's state is written as a new snapshot
 *   (tmp file, fsync, rename) and the journal starts over.
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  fstatSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../protocol/log.js';

const SYNC_INTERVAL_MS = 1000;

export type JournalOptions<Op> = Readonly<{
  dir: string;
  /** File stem: `<name>.snapshot.json` and `<name>.journal.jsonl`. */
  name: string;
  log: Logger;
  /** Called once with the snapshot's content (if any), then with each journal op in order. */
  loadSnapshot(data: unknown): void;
  apply(op: Op): void;
  /** The owner's whole state, for compaction. */
  snapshot(): unknown;
  /** Compact after this many ops written since the last compaction (default 20 000). */
  compactAfterOps?: number;
  /** …or once the journal passes this many bytes (default 8 MiB). */
  compactAfterBytes?: number;
}>;

export class Journal<Op> {
  private readonly options: JournalOptions<Op>;
  private readonly snapshotPath: string;
  private readonly journalPath: string;
  private fd: number;
  private pending: string[] = [];
  private scheduled = false;
  private opsSinceCompact = 0;
  private bytes = 0;
  private closed = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private lazyTimer: NodeJS.Timeout | undefined;

  constructor(options: JournalOptions<Op>) {
    this.options = options;
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    this.snapshotPath = join(options.dir, `${options.name}.snapshot.json`);
    this.journalPath = join(options.dir, `${options.name}.journal.jsonl`);
    this.load();
    this.fd = openSync(this.journalPath, 'a', 0o600);
    this.bytes = fstatSync(this.fd).size;
    if (this.overThreshold()) this.compact();
  }

  private overThreshold(): boolean {
    return (
      this.opsSinceCompact >= (this.options.compactAfterOps ?? 20_000) || this.bytes >= (this.options.compactAfterBytes ?? 8 * 1024 * 1024)
    );
  }

  /** Queues an op; it is written at the end of this event-loop turn. */
  append(op: Op): void {
    if (this.closed) {
      // A component abandoned after a timeout may still write after shutdown: drop it.
      this.options.log.warn('write after close dropped', { name: this.options.name });
      return;
    }
    this.pending.push(JSON.stringify(op));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.write());
    }
  }

  /**
   * Queues an op that may be lost in a crash without harm (e.g. the outbox's acks: the server
   * dedupes what is resent): it is written with the next op, or within a second, not in a write
   * of its own.
   */
  appendLazy(op: Op): void {
    if (this.closed) return;
    this.pending.push(JSON.stringify(op));
    if (!this.scheduled && !this.lazyTimer) {
      this.lazyTimer = setTimeout(() => this.write(), SYNC_INTERVAL_MS);
      this.lazyTimer.unref();
    }
  }

  /** Hands what is pending to the kernel now (no fsync): survives a crash of this process. */
  writePending(): void {
    this.write();
  }

  /** Writes what is pending and syncs it to disk. */
  flush(): void {
    this.write();
    if (!this.closed) fdatasyncSync(this.fd);
  }

  /** Writes a snapshot of the current state and empties the journal. */
  compact(): void {
    this.write();
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.options.snapshot()));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.snapshotPath);
    ftruncateSync(this.fd, 0);
    this.bytes = 0;
    this.opsSinceCompact = 0;
  }

  close(): void {
    if (this.closed) return;
    clearTimeout(this.syncTimer);
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  private write(): void {
    this.scheduled = false;
    clearTimeout(this.lazyTimer);
    this.lazyTimer = undefined;
    if (this.closed || this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    const count = this.pending.length;
    this.pending = [];
    const buf = Buffer.from(text);
    let offset = 0;
    while (offset < buf.length) offset += writeSync(this.fd, buf, offset);
    this.bytes += buf.length;
    this.opsSinceCompact += count;
    // At most one fdatasync per second, for power loss; a process crash loses nothing once written.
    if (!this.syncTimer) {
      this.syncTimer = setTimeout(() => {
        this.syncTimer = undefined;
        // On the thread pool: a sync here stalled the agent's jobs and socket for the disk's latency.
        if (!this.closed) {
          fdatasync(this.fd, (error) => {
            if (error && !this.closed) this.options.log.warn('journal sync failed', { name: this.options.name, error: error.message });
          });
        }
      }, SYNC_INTERVAL_MS);
      this.syncTimer.unref();
    }
    if (this.overThreshold()) {
      try {
        this.compact();
      } catch (error) {
        this.options.log.error('journal compaction failed', { name: this.options.name, error: String(error) });
      }
    }
  }

  private load(): void {
    const snapshot = readIfExists(this.snapshotPath);
    if (snapshot !== null) {
      try {
        this.options.loadSnapshot(JSON.parse(snapshot.toString('utf8')));
      } catch (error) {
        this.options.log.error('unreadable snapshot ignored', { path: this.snapshotPath, error: String(error) });
      }
    }
    const journal = readIfExists(this.journalPath);
    if (journal === null || journal.length === 0) return;
    const end = journal.lastIndexOf(0x0a) + 1;
    if (end < journal.length) {
      this.options.log.warn('ignoring a torn last journal line', { path: this.journalPath, bytes: journal.length - end });
      const fd = openSync(this.journalPath, 'r+');
      try {
        ftruncateSync(fd, end);
      } finally {
        closeSync(fd);
      }
    }
    const lines = journal.subarray(0, end).toString('utf8').split('\n');
    let bad = 0;
    for (const line of lines) {
      if (!line) continue;
      let op: Op;
      try {
        op = JSON.parse(line) as Op;
      } catch {
        bad += 1;
        continue;
      }
      this.options.apply(op);
      this.opsSinceCompact += 1;
    }
    if (bad) this.options.log.warn('skipped unreadable journal lines', { path: this.journalPath, count: bad });
  }
}

function readIfExists(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
