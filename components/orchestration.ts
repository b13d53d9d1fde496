/**
 * Orchestration files (spec 3.1): a YAML list of entries ("parents"), each with `jobs`
 * whose items map a VERB to a job string. Loaded with YAML 1.1 rules like Directord's
 * PyYAML (`async: yes` is a boolean), keeping every node's position so errors name the
 * file, line and column, and the field path (`[1].jobs[3].RUN`, 0-based).
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type Tags, type YAMLMap } from 'yaml';
import { parsePattern } from '../protocol/inventory/pattern.js';
import type { EntrySubmission, JobSubmission } from '../protocol/jobs.js';
import { fail, ok, type Result } from '../protocol/result.js';
import { objectSha3_224 } from './sha.js';
import { nodeOffset, parseErrorOffset } from './yaml-positions.js';
import { ROLLOUT_KEYS, rolloutKey } from './rollout-keys.js';

const ENTRY_KEYS = new Set(['jobs', 'targets', 'assign', 'name', 'async', ...ROLLOUT_KEYS]);
const JOB_KEYS = new Set(['name', 'assign', 'vars']);
const IDENTITY = /^[A-Za-z0-9_.:@-]+$/;
const TRUE = new Set(['y', 'yes', 't', 'true', 'on', '1']);
const FALSE = new Set(['n', 'no', 'f', 'false', 'off', '0']);

// PyYAML's YAML 1.1 booleans: unlike the spec (and the `yaml` package), `y`/`n` stay strings. Also used by CACHEFILE.
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
export function pyyamlTags(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:bool' || !('test' in tag) || !tag.test) return tag;
    return { ...tag, test: tag.test.test('true') ? PY_TRUE : PY_FALSE };
  });
}

export type JobLocation = Readonly<{ line: number; column: number }>;

class LoadError extends Error {
  constructor(
    message: string,
    readonly node: Node | null | undefined,
    readonly field: string,
  ) {
    super(message);
  }
}

function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node))
    return node.value === null ? 'nothing' : `${typeof node.value === 'string' ? 'the string' : 'the value'} ${JSON.stringify(node.value)}`;
  return 'an alias';
}

/** 1-based line and column of a node's first character. */
export function jobLocation(lineCounter: LineCounter, node: Node | null | undefined): JobLocation | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function entries(map: YAMLMap, path: string, allowed: ReadonlySet<string> | null): [string, Node | null, Pair<Node, Node | null>][] {
  return (map.items as Pair<Node, Node | null>[]).map((pair) => {
    const key = pair.key;
    if (!isScalar(key) || typeof key.value !== 'string')
      throw new LoadError(`keys must be strings, got ${describe(key)}`, key ?? map, path);
    if (allowed && !allowed.has(key.value)) {
      throw new LoadError(
        `unknown key ${JSON.stringify(key.value)}; expected one of ${[...allowed].join(', ')}`,
        key,
        `${path}.${key.value}`,
      );
    }
    return [key.value, pair.value, pair];
  });
}

function stringOf(node: Node | null, field: string): string {
  if (!isScalar(node) || typeof node.value !== 'string') throw new LoadError(`expected a string, got ${describe(node)}`, node, field);
  return node.value;
}

function identities(node: Node | null, field: string): string[] {
  if (!isSeq(node)) throw new LoadError(`expected a list of target names, got ${describe(node)}`, node, field);
  return (node.items as (Node | null)[]).map((item, i) => {
    const name =
      isScalar(item) && (typeof item.value === 'number' || typeof item.value === 'string')
        ? String(item.value)
        : stringOf(item, `${field}[${i}]`);
    if (IDENTITY.test(name)) return name;
    // Anything else is a host pattern (web:!web-3, label:env=prod), resolved by the server.
    const pattern = parsePattern(name);
    if (!pattern.ok)
      throw new LoadError(
        `${JSON.stringify(name)} is not a valid target name or pattern (${pattern.error.message})`,
        item,
        `${field}[${i}]`,
      );
    return name;
  });
}

function asyncOf(node: Node | null, field: string): boolean {
  if (isScalar(node)) {
    if (typeof node.value === 'boolean') return node.value;
    const text = String(node.value).toLowerCase();
    if ((typeof node.value === 'string' || typeof node.value === 'number') && TRUE.has(text)) return true;
    if ((typeof node.value === 'string' || typeof node.value === 'number') && FALSE.has(text)) return false;
  }
  throw new LoadError(`expected true/false (or yes/no, on/off, 1/0), got ${describe(node)}`, node, field);
}

/** The job string: strings as written (block scalars lose their trailing newlines), other scalars as their source text. */
function jobText(node: Node | null, verb: string, field: string): string {
  if (isScalar(node) && typeof node.value === 'string') return node.value.replace(/\n+$/, '');
  if (isScalar(node) && node.value !== null && typeof node.source === 'string') return node.source;
  throw new LoadError(`${verb} expects a job string, got ${describe(node)}`, node, field);
}

function loadJob(node: Node | null, field: string, doc: { toJSNode(n: Node): unknown }, lc: LineCounter): JobSubmission {
  if (!isMap(node) || node.items.length === 0)
    throw new LoadError(`each job must be a mapping like "- RUN: command", got ${describe(node)}`, node, field);
  const [first, ...rest] = entries(node, field, null);
  const [verb, value] = first!;
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(verb))
    throw new LoadError(`${JSON.stringify(verb)} is not a verb`, node.items[0]?.key as Node, `${field}.${verb}`);
  const job: { -readonly [K in keyof JobSubmission]: JobSubmission[K] } = { verb, text: jobText(value, verb, `${field}.${verb}`) };
  for (const [key, v, pair] of rest) {
    const at = `${field}.${key}`;
    if (!JOB_KEYS.has(key)) {
      throw new LoadError(
        `unknown job key ${JSON.stringify(key)} (the first key is the verb; others may be name, assign, vars)`,
        pair.key,
        at,
      );
    }
    if (key === 'name') job.name = stringOf(v, at);
    else if (key === 'assign') job.assign = identities(v, at);
    else {
      if (!isMap(v)) throw new LoadError(`expected a mapping of option names to values, got ${describe(v)}`, v, at);
      job.vars = doc.toJSNode(v) as Record<string, unknown>;
    }
  }
  const location = jobLocation(lc, node);
  if (location) job.location = location;
  return job;
}

function loadEntry(node: Node | null, index: number, raw: unknown, doc: { toJSNode(n: Node): unknown }, lc: LineCounter): EntrySubmission {
  const path = `[${index}]`;
  if (!isMap(node)) throw new LoadError(`each entry must be a mapping with a jobs list, got ${describe(node)}`, node, path);
  const entry: { -readonly [K in keyof EntrySubmission]: EntrySubmission[K] } = { jobs: [], sha: objectSha3_224(raw) };
  let jobsSeen = false;
  let targets: string[] | undefined;
  let assign: string[] | undefined;
  for (const [key, value] of entries(node, path, ENTRY_KEYS)) {
    const at = `${path}.${key}`;
    if (key === 'name') entry.name = stringOf(value, at);
    else if (key === 'targets') targets = identities(value, at);
    else if (key === 'assign') assign = identities(value, at);
    else if (key === 'async') entry.async = asyncOf(value, at);
    else if (ROLLOUT_KEYS.has(key)) {
      const set = rolloutKey(key, value, (v) => asyncOf(v, at));
      if (!set.ok) throw new LoadError(set.message, value ?? node, at);
      Object.assign(entry, set.value);
    } else {
      jobsSeen = true;
      if (!isSeq(value) || value.items.length === 0)
        throw new LoadError(`expected a non-empty list of jobs, got ${describe(value)}`, value ?? node, at);
      entry.jobs = (value.items as (Node | null)[]).map((item, i) => loadJob(item, `${at}[${i}]`, doc, lc));
    }
  }
  if (!jobsSeen) throw new LoadError('entry has no jobs list', node, `${path}.jobs`);
  const chosen = assign ?? targets;
  if (chosen) entry.targets = chosen;
  const location = jobLocation(lc, node);
  if (location) entry.location = location;
  return entry;
}

/**
 * Parses an orchestration file into submission entries. Each entry's `sha` is the
 * SHA3-224 of the entry as loaded (spec 1.4), before `assign` replaces `targets`.
 * Any problem is an `invalid-job` error with `{file, line, column, field}`.
 */
export function loadOrchestration(text: string, fileName: string): Result<{ entries: EntrySubmission[] }> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', uniqueKeys: true, customTags: pyyamlTags });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const message = yamlError.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? yamlError.message;
    const pos = lc.linePos(parseErrorOffset(yamlError.code, message, yamlError.pos[0], text));
    return fail('invalid-job', `YAML syntax error: ${message}`, { location: { file: fileName, line: pos.line, column: pos.col } });
  }
  try {
    const root = doc.contents as Node | null;
    if (!isSeq(root)) throw new LoadError(`an orchestration is a list of entries ("- jobs: ..."), got ${describe(root)}`, root, '');
    if (root.items.length === 0) throw new LoadError('the orchestration has no entries', root, '');
    const raw = doc.toJS({ maxAliasCount: 1000 }) as unknown[];
    const docApi = { toJSNode: (n: Node): unknown => n.toJS(doc, { maxAliasCount: 1000 }) };
    return ok({ entries: (root.items as (Node | null)[]).map((item, i) => loadEntry(item, i, raw[i], docApi, lc)) });
  } catch (error) {
    if (!(error instanceof LoadError)) throw error;
    const pos = error.node ? lc.linePos(nodeOffset(doc, error.node, text)) : undefined;
    const location = pos ? { line: pos.line, column: pos.col } : undefined;
    // The field path travels in `location` (formatWireError prints it), not in the message.
    return fail('invalid-job', error.message, {
      location: {
        file: fileName,
        ...(location ? { line: location.line, column: location.column } : {}),
        ...(error.field ? { field: error.field } : {}),
      },
    });
  }
}
