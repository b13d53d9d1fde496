/**
 * One job's output as it goes to the outbox: per-stream sequence numbers, chunks coalesced per
 * event-loop turn and split at LIMITS.maxChunkBytes, and the per-stream cap (beyond it the
 * TRUNCATION_MARKER is appended once and the rest is dropped; the pipe is still drained).
 * With secrets (issue #18) each stream is masked first, before the cap, the outbox and
 * `--stdout-arg`'s capture see it: a value never leaves this class, not even split across writes.
 */
import { LIMITS, TRUNCATION_MARKER } from '../../protocol/version.js';
import type { JobEvent } from '../../protocol/jobs.js';
import { createStreamMasker, type SecretValue, type StreamMasker } from '../../protocol/secret-mask.js';

export type Stream = 'stdout' | 'stderr';

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return buf.subarray(0, end).toString('utf8');
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes each. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length) {
    const piece = utf8Prefix(rest, maxBytes) || rest.slice(0, 1);
    pieces.push(piece);
    rest = rest.slice(piece.length);
  }
  return pieces;
}

/** Byte-capped text accumulator; appends the marker once when the cap is passed. */
export class CappedText {
  private parts: string[] = [];
  private bytes = 0;
  private truncatedFlag = false;
  private readonly cap: number;
  private readonly store: boolean;

  /** With `store` false only the byte count is kept (the text goes elsewhere). */
  constructor(cap: number, store = true) {
    this.cap = cap;
    this.store = store;
  }

  /** Returns the part of `text` that was kept (marker included when the cap is hit now). */
  add(text: string): string {
    if (this.truncatedFlag || !text) return '';
    const size = Buffer.byteLength(text, 'utf8');
    if (this.bytes + size <= this.cap) {
      if (this.store) this.parts.push(text);
      this.bytes += size;
      return text;
    }
    const kept = utf8Prefix(text, this.cap - this.bytes) + TRUNCATION_MARKER;
    if (this.store) this.parts.push(kept);
    this.bytes = this.cap;
    this.truncatedFlag = true;
    return kept;
  }

  get truncated(): boolean {
    return this.truncatedFlag;
  }

  text(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')];
    return this.parts[0] ?? '';
  }
}

export class JobOutput {
  private readonly jobId: string;
  private readonly push: (event: JobEvent) => void;
  private readonly caps: Record<Stream, CappedText>;
  private readonly pending: Record<Stream, string[]> = { stdout: [], stderr: [] };
  private readonly seq: Record<Stream, number> = { stdout: 0, stderr: 0 };
  private readonly keep: Record<Stream, boolean>;
  private readonly maskers: Record<Stream, StreamMasker> | null;
  private scheduled = false;
  private closed = false;

  /**
   * `keep` says which streams must stay readable afterwards (`--stdout-arg`/`--stderr-arg`);
   * `secrets` are the values the job was sent, masked as `[secret:NAME]` in both streams.
   */
  constructor(
    jobId: string,
    capBytes: number,
    push: (event: JobEvent) => void,
    keep: Readonly<Record<Stream, boolean>>,
    secrets: readonly SecretValue[] = [],
  ) {
    this.jobId = jobId;
    this.push = push;
    this.caps = { stdout: new CappedText(capBytes, keep.stdout), stderr: new CappedText(capBytes, keep.stderr) };
    this.keep = keep;
    this.maskers = secrets.length ? { stdout: createStreamMasker(secrets), stderr: createStreamMasker(secrets) } : null;
  }

  write(stream: Stream, text: string): void {
    if (this.closed) return;
    // A possible start of a value is held back by the masker until the next write or close.
    this.add(stream, this.maskers ? this.maskers[stream].push(text) : text);
  }

  private add(stream: Stream, text: string): void {
    const kept = this.caps[stream].add(text);
    if (!kept) return;
    this.pending[stream].push(kept);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Everything written to `stream` so far (bounded by the cap); only kept when asked for. */
  captured(stream: Stream): string {
    return this.keep[stream] ? this.caps[stream].text() : '';
  }

  /** Sends what is pending as output events. */
  flush(): void {
    this.scheduled = false;
    for (const stream of ['stdout', 'stderr'] as const) {
      const parts = this.pending[stream];
      if (parts.length === 0) continue;
      this.pending[stream] = [];
      for (const data of splitUtf8(parts.join(''), LIMITS.maxChunkBytes)) {
        this.push({ type: 'output', jobId: this.jobId, stream, seq: this.seq[stream]++, data });
      }
    }
  }

  /** Flushes (the maskers' held-back tails too) and stops accepting output; returns the chunk counts for `finished`. */
  close(): { stdoutChunks: number; stderrChunks: number } {
    if (!this.closed && this.maskers) for (const stream of ['stdout', 'stderr'] as const) this.add(stream, this.maskers[stream].end());
    this.flush();
    this.closed = true;
    return { stdoutChunks: this.seq.stdout, stderrChunks: this.seq.stderr };
  }
}
