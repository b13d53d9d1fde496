/**
 * The builder's view of an orchestration (spec §3.1), derived from a parsed YAML document, with
 * 1-based line/column of every entry and step so errors and the YAML pane can point at them.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { nodeOffset, parseErrorOffset } from '#components/yaml-positions.js';

export type StepModel = Readonly<{
  verb: string;
  /** The Directord job string (`--skip-cache echo hi`). */
  text: string;
  name?: string;
  assign?: readonly string[];
  vars?: Readonly<Record<string, unknown>>;
  line: number;
  column: number;
}>;

export type EntryModel = Readonly<{
  name?: string;
  targets?: readonly string[];
  async: boolean;
  jobs: readonly StepModel[];
  line: number;
  column: number;
}>;

export type OrchestrationModel = Readonly<{ entries: readonly EntryModel[] }>;

export type DocError = Readonly<{ message: string; line: number; column: number }>;

export type DeriveResult = { ok: true; model: OrchestrationModel } | { ok: false; errors: DocError[] };

// The rollout keys (issue #17) are kept as written, so they round-trip through import and export.
const ENTRY_KEYS = new Set([
  'jobs',
  'targets',
  'assign',
  'name',
  'async',
  'vars',
  'serial',
  'order',
  'max_fail_percentage',
  'pause',
  'approve',
  'concurrency',
]);
const TRUE_STRINGS = new Set(['y', 'yes', 't', 'true', 'on', '1']);
const FALSE_STRINGS = new Set(['n', 'no', 'f', 'false', 'off', '0']);

/**
 * Builds the model, or every problem found with its position: 1-based line and column of the
 * character the problem is about, as an editor shows them. `text` (the parsed source) lets an
 * empty value point at its `-` and an unclosed quote at where it opened, not at the next line.
 */
export function deriveModel(doc: Document, lines: LineCounter, text = ''): DeriveResult {
  const errors: DocError[] = [];
  const push = (offset: number, message: string) => {
    const pos = lines.linePos(offset);
    errors.push({ message, line: pos.line, column: pos.col });
  };
  const at = (node: Node | null | undefined, message: string) => {
    push(nodeOffset(doc, node, text), message);
  };
  for (const e of doc.errors) {
    const first = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
    push(parseErrorOffset(e.code, first, e.pos[0], text), first);
  }
  if (errors.length) return { ok: false, errors };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { ok: true, model: { entries: [] } };
  if (!isSeq(root)) {
    at(root, 'An orchestration must be a list of entries (each with `jobs`)');
    return { ok: false, errors };
  }
  const entries: EntryModel[] = [];
  root.items.forEach((item, i) => {
    const entry = deriveEntry(item as Node, i, lines, at);
    if (entry) entries.push(entry);
  });
  return errors.length ? { ok: false, errors } : { ok: true, model: { entries } };
}

type At = (node: Node | null | undefined, message: string) => void;

function deriveEntry(item: Node, index: number, lines: LineCounter, at: At): EntryModel | null {
  if (!isMap(item)) {
    at(item, `Entry ${index + 1} must be a mapping with a \`jobs\` list`);
    return null;
  }
  const pos = lines.linePos(item.range?.[0] ?? 0);
  for (const pair of item.items) {
    const key = keyOf(pair);
    if (!ENTRY_KEYS.has(key)) at(pair.key as Node, `Entry ${index + 1}: unknown key \`${key}\``);
  }
  const jobsNode = item.get('jobs', true) as Node | undefined;
  if (!jobsNode || !isSeq(jobsNode)) {
    at(jobsNode ?? item, `Entry ${index + 1}: \`jobs\` must be a list`);
    return null;
  }
  const jobs: StepModel[] = [];
  jobsNode.items.forEach((job, j) => {
    const step = deriveStep(job as Node, index, j, lines, at);
    if (step) jobs.push(step);
  });
  const name = scalarString(item, 'name', at);
  const targets = stringList(item, 'assign', at) ?? stringList(item, 'targets', at);
  const asyncNode = item.get('async', true) as Node | undefined;
  return {
    ...(name !== undefined ? { name } : {}),
    ...(targets !== undefined ? { targets } : {}),
    async: asyncNode ? toBool(asyncNode, at) : false,
    jobs,
    line: pos.line,
    column: pos.col,
  };
}

function deriveStep(job: Node, e: number, j: number, lines: LineCounter, at: At): StepModel | null {
  const where = `Entry ${e + 1}, job ${j + 1}`;
  if (!isMap(job) || job.items.length === 0) {
    at(job, `${where}: a job is a mapping whose first key is the verb, e.g. \`RUN: echo hi\``);
    return null;
  }
  const first = job.items[0] as Pair;
  const verb = keyOf(first);
  if (!/^[A-Z][A-Z0-9_]*$/.test(verb)) {
    at(first.key as Node, `${where}: \`${verb}\` is not a verb (verbs are upper case, e.g. RUN)`);
    return null;
  }
  const value = first.value as Node | null;
  if (value !== null && !isScalar(value)) {
    at(value, `${where}: the ${verb} job string must be text`);
    return null;
  }
  const raw = value?.value ?? '';
  const text = typeof raw === 'string' ? raw.replace(/\n$/, '') : String(raw);
  const pos = lines.linePos(job.range?.[0] ?? 0);
  const name = scalarString(job, 'name', at);
  const assign = stringList(job, 'assign', at);
  const varsNode = job.get('vars', true) as Node | undefined;
  let vars: Record<string, unknown> | undefined;
  if (varsNode) {
    if (!isMap(varsNode)) at(varsNode, `${where}: \`vars\` must be a mapping`);
    else vars = varsNode.toJSON() as Record<string, unknown>;
  }
  return {
    verb,
    text,
    ...(name !== undefined ? { name } : {}),
    ...(assign !== undefined ? { assign } : {}),
    ...(vars !== undefined ? { vars } : {}),
    line: pos.line,
    column: pos.col,
  };
}

function keyOf(pair: Pair): string {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function scalarString(map: YAMLMap, key: string, at: At): string | undefined {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isScalar(node)) {
    at(node, `\`${key}\` must be text`);
    return undefined;
  }
  return node.value === null ? undefined : String(node.value);
}

function stringList(map: YAMLMap, key: string, at: At): string[] | undefined {
  const node = map.get(key, true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isSeq(node)) {
    at(node, `\`${key}\` must be a list of host names`);
    return undefined;
  }
  return node.items.map((n) => (isScalar(n) ? String(n.value) : String(n)));
}

function toBool(node: Node, at: At): boolean {
  if (isScalar(node)) {
    if (typeof node.value === 'boolean') return node.value;
    const s = String(node.value).toLowerCase();
    if (TRUE_STRINGS.has(s)) return true;
    if (FALSE_STRINGS.has(s)) return false;
  }
  at(node, '`async` must be true or false');
  return false;
}

/** The model without positions, for equality checks. */
export function stripPositions(model: OrchestrationModel): unknown {
  return model.entries.map(({ line: _l, column: _c, jobs, ...entry }) => ({
    ...entry,
    jobs: jobs.map(({ line: _jl, column: _jc, ...job }) => job),
  }));
}
