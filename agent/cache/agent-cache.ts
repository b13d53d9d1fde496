/**
 * The agent's durable client cache (spec 4.1, bugs 9.1 fixed): `args`, `envs` and other named
 * keys (no expiry), job states by job SHA and parent states by parent id (12 h TTL), plus the
 * ids of jobs this agent has been given (so a re-dispatch never runs a job twice).
 */
import type { ComponentCache } from '../../components/define.js';
import type { Logger } from '../../protocol/log.js';
import { Journal } from './journal.js';
import { isPlainObject, mergeValues, setOwn } from './merge.js';

export type RunState = 'succeeded' | 'failed';
/** q: accepted and queued, r: running, d: done (result recorded in the outbox). */
export type SeenState = 'q' | 'r' | 'd';

type Stamped = { s: RunState; at: number };
type Seen = { s: SeenState; at: number };

type CacheOp =
  | { o: 'set'; k: string; v: unknown }
  | { o: 'del'; k: string }
  | { o: 'job'; k: string; s: RunState; at: number }
  | { o: 'parent'; k: string; s: RunState; at: number }
  | { o: 'seen'; k: string; s: SeenState; at: number }
  /** A job's end in one op: seen 'd', its SHA's state and its parent's state. */
  | { o: 'done'; k: string; sha: string; p: string; s: RunState; at: number }
  | { o: 'unseen'; k: string }
  | { o: 'clear'; t: 'all' | 'jobs' | 'parents' };

type Snapshot = {
  v: 1;
  kv: Record<string, unknown>;
  jobs: Record<string, Stamped>;
  parents: Record<string, Stamped>;
  seen: Record<string, Seen>;
};

export const STATE_TTL_MS = 12 * 60 * 60 * 1000;
/** Done job ids are remembered this long for dedup of re-dispatches. */
const SEEN_TTL_MS = 48 * 60 * 60 * 1000;

export type AgentCacheOptions = Readonly<{ dir: string; log: Logger; now?: () => number; compactAfterOps?: number }>;

export class AgentCache implements ComponentCache {
  private kv = new Map<string, unknown>();
  private jobs = new Map<string, Stamped>();
  private parents = new Map<string, Stamped>();
  private seenIds = new Map<string, Seen>();
  private readonly journal: Journal<CacheOp>;
  private readonly now: () => number;
  /** Jobs that were running when the agent stopped; their outcome is unknown. */
  readonly interruptedAtLoad: readonly string[];

  constructor(options: AgentCacheOptions) {
    this.now = options.now ?? Date.now;
    this.journal = new Journal<CacheOp>({
      dir: options.dir,
      name: 'cache',
      log: options.log,
      loadSnapshot: (data) => this.loadSnapshot(data),
      apply: (op) => this.apply(op),
      snapshot: () => this.snapshot(),
      compactAfterOps: options.compactAfterOps,
    });
    // Jobs only queued when the agent stopped are forgotten, so the server's re-dispatch runs them.
    const interrupted: string[] = [];
    for (const [id, seen] of this.seenIds) {
      if (seen.s === 'q') this.record({ o: 'unseen', k: id });
      else if (seen.s === 'r') interrupted.push(id);
    }
    this.interruptedAtLoad = interrupted;
  }

  // ---- ComponentCache -------------------------------------------------------------------

  getArgs(): Readonly<Record<string, unknown>> {
    return this.dict('args');
  }

  setArgs(values: Readonly<Record<string, unknown>>, options?: { extend?: boolean }): void {
    this.record({ o: 'set', k: 'args', v: mergeValues(this.dict('args'), values, options?.extend ?? false) });
  }

  getEnvs(): Readonly<Record<string, string>> {
    return this.dict('envs') as Record<string, string>;
  }

  setEnvs(values: Readonly<Record<string, string>>, options?: { extend?: boolean }): void {
    const strings: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) setOwn(strings, k, String(v));
    this.record({ o: 'set', k: 'envs', v: mergeValues(this.dict('envs'), strings, options?.extend ?? false) });
  }

  get(key: string): unknown {
    return this.kv.get(key);
  }

  set(key: string, value: unknown): void {
    this.record({ o: 'set', k: key, v: value });
  }

  evict(tag: string): Readonly<{ ok: true; removed: number } | { ok: false; message: string }> {
    switch (tag) {
      case 'all': {
        const removed = this.kv.size + this.jobs.size + this.parents.size;
        this.record({ o: 'clear', t: 'all' });
        return { ok: true, removed };
      }
      case 'jobs':
      case 'parents': {
        const removed = (tag === 'jobs' ? this.jobs : this.parents).size;
        this.record({ o: 'clear', t: tag });
        return { ok: true, removed };
      }
      case 'query': {
        const args = this.dict('args');
        if (!Object.hasOwn(args, 'query')) return { ok: true, removed: 0 };
        const rest: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(args)) if (k !== 'query') setOwn(rest, k, v);
        const query = args.query;
        this.record({ o: 'set', k: 'args', v: rest });
        return { ok: true, removed: isPlainObject(query) ? Object.keys(query).length : 1 };
      }
      default: {
        if (!this.kv.has(tag)) {
          if (tag === 'args' || tag === 'envs') return { ok: true, removed: 0 };
          return { ok: false, message: `Nothing is cached under tag ${tag}` };
        }
        const value = this.kv.get(tag);
        this.record({ o: 'del', k: tag });
        return { ok: true, removed: isPlainObject(value) ? Object.keys(value).length : Array.isArray(value) ? value.length : 1 };
      }
    }
  }

  // ---- job and parent states ------------------------------------------------------------

  jobState(sha: string): RunState | undefined {
    return this.fresh(this.jobs.get(sha));
  }

  setJobState(sha: string, state: RunState): void {
    this.record({ o: 'job', k: sha, s: state, at: this.now() });
  }

  parentState(parentId: string): RunState | undefined {
    return this.fresh(this.parents.get(parentId));
  }

  setParentState(parentId: string, state: RunState): void {
    this.record({ o: 'parent', k: parentId, s: state, at: this.now() });
  }

  // ---- job ids this agent was given -----------------------------------------------------

  seen(jobId: string): SeenState | undefined {
    return this.seenIds.get(jobId)?.s;
  }

  markSeen(jobId: string, state: SeenState): void {
    const op: CacheOp = { o: 'seen', k: jobId, s: state, at: this.now() };
    // Queued ids are forgotten at the next start anyway (the server re-sends those jobs), so
    // they live in memory only: a dispatch of 1000 jobs writes nothing.
    if (state === 'q') this.apply(op);
    else this.record(op);
  }

  /** A job ran to its end: one journal op instead of three (a fast job's journal cost). */
  recordDone(jobId: string, sha: string, parentId: string, state: RunState): void {
    this.record({ o: 'done', k: jobId, sha, p: parentId, s: state, at: this.now() });
  }

  /** Writes pending changes and syncs them. */
  flush(): void {
    this.journal.flush();
  }

  /** Compacts now (tests; normally automatic). */
  compact(): void {
    this.journal.compact();
  }

  close(): void {
    this.journal.close();
  }

  // ---- internals ------------------------------------------------------------------------

  private dict(key: string): Record<string, unknown> {
    const value = this.kv.get(key);
    return isPlainObject(value) ? value : {};
  }

  private fresh(entry: Stamped | undefined): RunState | undefined {
    if (!entry || this.now() - entry.at > STATE_TTL_MS) return undefined;
    return entry.s;
  }

  private record(op: CacheOp): void {
    this.apply(op);
    this.journal.append(op);
  }

  private apply(op: CacheOp): void {
    switch (op.o) {
      case 'set':
        this.kv.set(op.k, op.v);
        break;
      case 'del':
        this.kv.delete(op.k);
        break;
      case 'job':
        this.jobs.set(op.k, { s: op.s, at: op.at });
        break;
      case 'parent':
        this.parents.set(op.k, { s: op.s, at: op.at });
        break;
      case 'seen':
        this.seenIds.set(op.k, { s: op.s, at: op.at });
        break;
      case 'done':
        this.jobs.set(op.sha, { s: op.s, at: op.at });
        this.parents.set(op.p, { s: op.s, at: op.at });
        this.seenIds.set(op.k, { s: 'd', at: op.at });
        break;
      case 'unseen':
        this.seenIds.delete(op.k);
        break;
      case 'clear':
        if (op.t === 'all') this.kv.clear();
        if (op.t === 'all' || op.t === 'jobs') this.jobs.clear();
        if (op.t === 'all' || op.t === 'parents') this.parents.clear();
        break;
      default:
        // An op from a newer agent version: ignore rather than fail the whole cache.
        break;
    }
  }

  private loadSnapshot(data: unknown): void {
    if (!isPlainObject(data) || data.v !== 1) return;
    const snap = data as unknown as Snapshot;
    this.kv = new Map(Object.entries(snap.kv ?? {}));
    this.jobs = new Map(Object.entries(snap.jobs ?? {}));
    this.parents = new Map(Object.entries(snap.parents ?? {}));
    this.seenIds = new Map(Object.entries(snap.seen ?? {}));
  }

  private snapshot(): Snapshot {
    const now = this.now();
    const live = (map: Map<string, Stamped>) => {
      const out: Record<string, Stamped> = {};
      for (const [k, v] of map) {
        if (now - v.at <= STATE_TTL_MS) setOwn(out, k, v);
        else map.delete(k);
      }
      return out;
    };
    const seen: Record<string, Seen> = {};
    for (const [k, v] of this.seenIds) {
      if (v.s !== 'd' || now - v.at <= SEEN_TTL_MS) setOwn(seen, k, v);
      else this.seenIds.delete(k);
    }
    const kv: Record<string, unknown> = {};
    for (const [k, v] of this.kv) setOwn(kv, k, v);
    return { v: 1, kv, jobs: live(this.jobs), parents: live(this.parents), seen };
  }
}
