/**
 * One host's output for one run, as lines: per job (in job order) a header line, then its
 * stdout/stderr lines in arrival order. Built for 10,000s of lines per host: plain arrays, a
 * prefix-sum index over job blocks for O(log n) random access (virtual scrolling), and an
 * incremental hash so hosts with identical output can be grouped without comparing text.
 */

export type LineKind = 'header' | 'stdout' | 'stderr';
export type Line = Readonly<{ text: string; kind: LineKind; job: number }>;

const STDOUT = 1;
const STDERR = 2;

class Block {
  readonly texts: string[] = [];
  readonly kinds: number[] = [];
  /** Index of the still-open (no newline yet) last line per stream, or -1. */
  openOut = -1;
  openErr = -1;
  /** Hash of complete lines [0, hashedUpTo), computed lazily for grouping. */
  #hash = 0x811c9dc5;
  #hashedUpTo = 0;
  constructor(
    readonly header: string,
    readonly index: number,
  ) {}

  append(stream: 'stdout' | 'stderr', data: string): number {
    const kind = stream === 'stdout' ? STDOUT : STDERR;
    const parts = data.split('\n');
    let added = 0;
    let open = stream === 'stdout' ? this.openOut : this.openErr;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      if (i === 0 && open >= 0) this.texts[open] += stripCr(part);
      else if (!(last && part === '')) {
        this.texts.push(stripCr(part));
        this.kinds.push(kind);
        added++;
        open = this.texts.length - 1;
      }
      if (last) open = part === '' ? -1 : open;
    });
    if (stream === 'stdout') this.openOut = open;
    else this.openErr = open;
    return added;
  }

  /** Lines and their streams, hashed (incrementally: closed lines are hashed once). */
  signature(): string {
    const closed = Math.min(...[this.openOut, this.openErr, this.texts.length].filter((i) => i >= 0));
    for (; this.#hashedUpTo < closed; this.#hashedUpTo++) {
      this.#hash = fnv(this.#hash, `${this.kinds[this.#hashedUpTo]}${this.texts[this.#hashedUpTo]}\n`);
    }
    let tail = this.#hash;
    for (let i = closed; i < this.texts.length; i++) tail = fnv(tail, `${this.kinds[i]}${this.texts[i]}\n`);
    return `${tail.toString(36)}:${this.texts.length}`;
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** FNV-1a over UTF-16 code units. */
function fnv(hash: number, data: string): number {
  let h = hash;
  for (let i = 0; i < data.length; i++) {
    h ^= data.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class HostLog {
  #blocks: Block[] = [];
  #byJob = new Map<string, Block>();
  #starts: number[] = [];
  #dirty = true;
  #total = 0;
  /** Bumped on every change; views compare it to know when to redraw. */
  version = 0;

  constructor(readonly host: string) {}

  /** Declares a job block (idempotent); `order` is the job's position in the run. */
  ensureJob(jobId: string, order: number, header: string): void {
    if (this.#byJob.has(jobId)) return;
    const block = new Block(header, order);
    this.#byJob.set(jobId, block);
    let at = this.#blocks.length;
    while (at > 0 && (this.#blocks[at - 1] as Block).index > order) at--;
    this.#blocks.splice(at, 0, block);
    this.#total += 1;
    this.#dirty = true;
    this.version++;
  }

  append(jobId: string, stream: 'stdout' | 'stderr', data: string): void {
    const block = this.#byJob.get(jobId);
    if (!block || data === '') return;
    const added = block.append(stream, data);
    this.#total += added;
    if (added) this.#dirty = true;
    this.version++;
  }

  /** Replaces a job's output (a full fetch from the server). */
  replace(jobId: string, stdout: string, stderr: string): void {
    const old = this.#byJob.get(jobId);
    if (!old) return;
    const block = new Block(old.header, old.index);
    block.append('stdout', stdout);
    block.append('stderr', stderr);
    this.#byJob.set(jobId, block);
    this.#blocks[this.#blocks.indexOf(old)] = block;
    this.#total += block.texts.length - old.texts.length;
    this.#dirty = true;
    this.version++;
  }

  get lineCount(): number {
    return this.#total;
  }

  #index(): number[] {
    if (this.#dirty) {
      let at = 0;
      this.#starts = this.#blocks.map((b) => {
        const start = at;
        at += 1 + b.texts.length;
        return start;
      });
      this.#dirty = false;
    }
    return this.#starts;
  }

  line(index: number): Line | undefined {
    const starts = this.#index();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    const block = this.#blocks[lo];
    if (!block || index < 0) return undefined;
    const offset = index - (starts[lo] as number);
    if (offset === 0) return { text: block.header, kind: 'header', job: block.index };
    const text = block.texts[offset - 1];
    if (text === undefined) return undefined;
    return { text, kind: block.kinds[offset - 1] === STDERR ? 'stderr' : 'stdout', job: block.index };
  }

  lines(start: number, end: number): Line[] {
    const out: Line[] = [];
    for (let i = Math.max(0, start); i < Math.min(end, this.#total); i++) {
      const line = this.line(i);
      if (line) out.push(line);
    }
    return out;
  }

  /** Equal for hosts whose output is the same (job by job, stream by stream). */
  signature(): string {
    return this.#blocks.map((b) => `${b.index}:${b.signature()}`).join('|');
  }

  /** Indices of lines containing `query` (case-insensitive), capped. */
  search(query: string, limit = 100_000): number[] {
    const q = query.toLowerCase();
    const hits: number[] = [];
    if (!q) return hits;
    let at = 0;
    for (const block of this.#blocks) {
      if (block.header.toLowerCase().includes(q)) hits.push(at);
      for (let i = 0; i < block.texts.length && hits.length < limit; i++) {
        if ((block.texts[i] as string).toLowerCase().includes(q)) hits.push(at + 1 + i);
      }
      at += 1 + block.texts.length;
    }
    return hits;
  }

  /** The whole log as text, stderr lines marked, for download. */
  toText(): string {
    const out: string[] = [];
    for (const block of this.#blocks) {
      out.push(`### ${block.header}`);
      block.texts.forEach((t, i) => out.push(block.kinds[i] === STDERR ? `[stderr] ${t}` : t));
    }
    return out.join('\n') + '\n';
  }
}
