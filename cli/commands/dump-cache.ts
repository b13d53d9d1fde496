/**
 * `manage --dump-cache`: the local agents' caches (DATA_DIR/agents/<identity>/), read directly
 * from disk without a server, printed as JSON with indent 4 (spec 2.4) — and without
 * Directord's spurious `No valid data found` line.
 *
 * The agent keeps its cache as `cache.snapshot.json` plus an append-only `cache.journal.jsonl`
 * (agent/cache/). This replays them read-only: opening the agent's own AgentCache would write
 * to files a running agent owns. Each agent's cache is shown Directord-style, one key per
 * entry: the named values (`args`, `envs`, …), then each job SHA and parent id with its last
 * state (`succeeded` / `failed` where Directord showed control characters).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from '../errors.js';

type State = { s: string; at: number };
type CacheView = { kv: Map<string, unknown>; jobs: Map<string, State>; parents: Map<string, State> };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function loadSnapshot(view: CacheView, data: unknown): void {
  if (!isObject(data) || data.v !== 1) return;
  for (const [k, v] of Object.entries(isObject(data.kv) ? data.kv : {})) view.kv.set(k, v);
  for (const [name, map] of [
    ['jobs', view.jobs],
    ['parents', view.parents],
  ] as const) {
    const entries = data[name];
    if (isObject(entries))
      for (const [k, v] of Object.entries(entries)) if (isObject(v) && typeof v.s === 'string') map.set(k, { s: v.s, at: Number(v.at) });
  }
}

function applyOp(view: CacheView, op: unknown): void {
  if (!isObject(op) || typeof op.o !== 'string') return;
  const key = typeof op.k === 'string' ? op.k : '';
  switch (op.o) {
    case 'set':
      view.kv.set(key, op.v);
      break;
    case 'del':
      view.kv.delete(key);
      break;
    case 'job':
    case 'parent':
      (op.o === 'job' ? view.jobs : view.parents).set(key, { s: String(op.s), at: Number(op.at) });
      break;
    case 'done':
      // A job's end (agent/cache/agent-cache.ts): its SHA's and its parent's state in one op.
      if (typeof op.sha === 'string') view.jobs.set(op.sha, { s: String(op.s), at: Number(op.at) });
      if (typeof op.p === 'string') view.parents.set(op.p, { s: String(op.s), at: Number(op.at) });
      break;
    case 'clear':
      if (op.t === 'all') view.kv.clear();
      if (op.t === 'all' || op.t === 'jobs') view.jobs.clear();
      if (op.t === 'all' || op.t === 'parents') view.parents.clear();
      break;
    default:
      break;
  }
}

/** The cache in `dir` (or null when there is none), as one Directord-style dict. */
export function readAgentCache(dir: string): Record<string, unknown> | null {
  const snapshot = readText(join(dir, 'cache.snapshot.json'));
  const journal = readText(join(dir, 'cache.journal.jsonl'));
  if (snapshot === null && journal === null) return null;
  const view: CacheView = { kv: new Map(), jobs: new Map(), parents: new Map() };
  if (snapshot !== null) {
    try {
      loadSnapshot(view, JSON.parse(snapshot));
    } catch {
      // a snapshot is replaced atomically; an unreadable one is skipped like the agent does
    }
  }
  for (const line of (journal ?? '').split('\n')) {
    if (!line.trim()) continue;
    try {
      applyOp(view, JSON.parse(line));
    } catch {
      // a torn last line (the agent was writing): ignored, as the agent ignores it
    }
  }
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [k, v] of view.kv) put(k, v);
  for (const [k, v] of view.jobs) put(k, v.s);
  for (const [k, v] of view.parents) put(k, v.s);
  return out;
}

/** Where an agent keeps its cache: its cache dir itself or one level below it. */
function cacheDirsOf(agentDir: string): string[] {
  const dirs = [agentDir];
  try {
    for (const name of readdirSync(agentDir)) {
      const sub = join(agentDir, name);
      if (statSync(sub).isDirectory()) dirs.push(sub);
    }
  } catch {
    return [];
  }
  return dirs.filter((d) => existsSync(join(d, 'cache.snapshot.json')) || existsSync(join(d, 'cache.journal.jsonl')));
}

/** Python `json.dumps(obj, indent=4)` (ensure_ascii: non-ASCII as \uXXXX). */
export function pythonJsonIndent4(value: unknown): string {
  return JSON.stringify(value, null, 4).replace(/[\u0080-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Every local agent's cache, keyed by identity; `No data found` (exit 1) when there is none. */
export function dumpCache(dataDir: string): string {
  const root = join(dataDir, 'agents');
  const caches: Record<string, unknown> = {};
  let identities: string[] = [];
  try {
    identities = readdirSync(root).sort();
  } catch {
    identities = [];
  }
  for (const identity of identities) {
    const dirs = cacheDirsOf(join(root, identity));
    const first = dirs[0];
    const cache = first === undefined ? null : readAgentCache(first);
    if (cache) Object.defineProperty(caches, identity, { value: cache, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(caches).length === 0) throw new CliError('No data found', EXIT.failure);
  return pythonJsonIndent4(caches) + '\n';
}
