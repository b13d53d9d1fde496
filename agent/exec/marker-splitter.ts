/**
 * Splits one long-lived output pipe into per-job pieces at end markers. A marker is a per-job
 * prefix, a short trailer (the exit status on stdout, empty on stderr) and a closing
 * {@link MARKER_END} byte. A marker may arrive split across chunks, so only the shortest tail that
 * could start a marker is held back; everything else is delivered at once (live streaming).
 */

export type SplitterSink = Readonly<{
  /** Bytes belonging to the current job. */
  data(chunk: Buffer): void;
  /** The current job's marker was seen, with its trailer; nothing more belongs to the job. */
  end(trailer: string): void;
  /** Bytes arriving while no job is expected (output of leftover background processes). */
  stray(chunk: Buffer): void;
}>;

/** Closes a marker (ASCII record separator, which also opens the prefix). */
const MARKER_END = 0x1e;
/** A trailer longer than this is not ours: the prefix was a false start. */
const MAX_TRAILER = 32;
const EMPTY = Buffer.alloc(0);

/** Length of the longest suffix of `buf` that is a proper prefix of `marker`. */
export function partialMarkerSuffix(buf: Buffer, marker: Buffer): number {
  const max = Math.min(marker.length - 1, buf.length);
  const first = marker[0];
  if (first === undefined) return 0;
  let at = buf.indexOf(first, buf.length - max);
  while (at >= 0) {
    const len = buf.length - at;
    if (buf.subarray(at).equals(marker.subarray(0, len))) return len;
    at = buf.indexOf(first, at + 1);
  }
  return 0;
}

export class MarkerSplitter {
  private prefix: Buffer | null = null;
  private held: Buffer = EMPTY;
  private readonly sink: SplitterSink;

  constructor(sink: SplitterSink) {
    this.sink = sink;
  }

  /** Starts a job: everything up to `prefix` + trailer + MARKER_END is its output. */
  expect(prefix: Buffer): void {
    this.prefix = prefix;
    this.held = EMPTY;
  }

  get waiting(): boolean {
    return this.prefix !== null;
  }

  push(chunk: Buffer): void {
    const prefix = this.prefix;
    if (!prefix) {
      if (chunk.length) this.sink.stray(chunk);
      return;
    }
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = EMPTY;
    let from = 0;
    for (;;) {
      const at = buf.indexOf(prefix, from);
      if (at < 0) break;
      const close = buf.indexOf(MARKER_END, at + prefix.length);
      if (close < 0 && buf.length - (at + prefix.length) <= MAX_TRAILER) {
        // The trailer is still on its way: hold the marker back.
        if (at > 0) this.sink.data(buf.subarray(0, at));
        this.held = Buffer.from(buf.subarray(at));
        return;
      }
      if (close >= 0 && close - (at + prefix.length) <= MAX_TRAILER) {
        if (at > 0) this.sink.data(buf.subarray(0, at));
        this.prefix = null;
        this.sink.end(buf.toString('latin1', at + prefix.length, close));
        const rest = buf.subarray(close + 1);
        if (rest.length) this.push(rest);
        return;
      }
      from = at + 1; // a prefix without a plausible trailer is not a marker
    }
    const keep = partialMarkerSuffix(buf, prefix);
    if (buf.length > keep) this.sink.data(buf.subarray(0, buf.length - keep));
    if (keep) this.held = Buffer.from(buf.subarray(buf.length - keep));
  }

  /** The pipe closed: whatever was held back belongs to the job. */
  flush(): void {
    if (this.held.length && this.prefix) this.sink.data(this.held);
    this.held = EMPTY;
  }
}
