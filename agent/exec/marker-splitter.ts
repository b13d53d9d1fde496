/**
 * Splits one long-lived output pipe into per-job pieces at end markers. A marker may arrive
 * split across chunks, so only the shortest tail that could start a marker is held back;
 * everything else is delivered at once (live streaming).
 */

export type SplitterSink = Readonly<{
  /** Bytes belonging to the current job. */
  data(chunk: Buffer): void;
  /** The current job's marker was seen; nothing more belongs to it. */
  end(): void;
  /** Bytes arriving while no job is expected (output of leftover background processes). */
  stray(chunk: Buffer): void;
}>;

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
  private marker: Buffer | null = null;
  private held: Buffer = EMPTY;
  private readonly sink: SplitterSink;

  constructor(sink: SplitterSink) {
    this.sink = sink;
  }

  /** Starts a job: everything up to `marker` is its output. */
  expect(marker: Buffer): void {
    this.marker = marker;
    this.held = EMPTY;
  }

  get waiting(): boolean {
    return this.marker !== null;
  }

  push(chunk: Buffer): void {
    const marker = this.marker;
    if (!marker) {
      if (chunk.length) this.sink.stray(chunk);
      return;
    }
    const buf = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    this.held = EMPTY;
    const at = buf.indexOf(marker);
    if (at >= 0) {
      if (at > 0) this.sink.data(buf.subarray(0, at));
      this.marker = null;
      this.sink.end();
      const rest = buf.subarray(at + marker.length);
      if (rest.length) this.push(rest);
      return;
    }
    const keep = partialMarkerSuffix(buf, marker);
    if (buf.length > keep) this.sink.data(buf.subarray(0, buf.length - keep));
    if (keep) this.held = Buffer.from(buf.subarray(buf.length - keep));
  }

  /** The pipe closed: whatever was held back belongs to the job. */
  flush(): void {
    if (this.held.length && this.marker) this.sink.data(this.held);
    this.held = EMPTY;
  }
}
