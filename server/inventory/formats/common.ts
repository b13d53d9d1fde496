/** Shared pieces of the inventory file formats: errors with file and line, names, ranges. */
import { fail, type Result } from '../../../protocol/result.js';
import type { ParsedInventory } from '../model.js';

export const HOST_NAME = /^[A-Za-z0-9_.:@-]{1,253}$/;
export const GROUP_NAME = /^[A-Za-z0-9_.-]{1,253}$/;
/** Hosts one range may produce (web[0001:9999] is fine; a typo of a million is not). */
export const MAX_RANGE = 100_000;

export class InventoryFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly expected: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${expected}`);
  }
}

export function asResult(run: () => ParsedInventory): Result<ParsedInventory> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof InventoryFileError) {
      return fail('invalid-payload', error.message, { location: { file: error.file, ...(error.line ? { line: error.line } : {}) } });
    }
    throw error;
  }
}

/** Expands Ansible host ranges: `web[01:20].example.com`, `db-[a:f]`, `h[0:10:2]` (inclusive, zero padding kept). */
export function expandRange(pattern: string, file: string, line: number | null): string[] {
  const m = /\[([^\]]*)\]/.exec(pattern);
  if (!m) return [pattern];
  const [start = '', end = '', step = '1', ...extra] = (m[1] as string).split(':');
  const before = pattern.slice(0, m.index);
  const after = pattern.slice(m.index + m[0].length);
  const bad = (why: string) => new InventoryFileError(file, line, `${pattern}: ${why}; expected a range like [01:20], [a:f] or [0:10:2]`);
  if (extra.length || !start || !end || !/^\d+$/.test(step) || Number(step) < 1) throw bad('not a range');
  let values: string[];
  if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
    const a = Number(start);
    const b = Number(end);
    if (b < a) throw bad('the end is before the start');
    if ((b - a) / Number(step) >= MAX_RANGE) throw bad(`more than ${MAX_RANGE} hosts`);
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    values = [];
    for (let i = a; i <= b; i += Number(step)) values.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    const a = start.charCodeAt(0);
    const b = end.charCodeAt(0);
    if (b < a) throw bad('the end is before the start');
    values = [];
    for (let i = a; i <= b; i += Number(step)) values.push(String.fromCharCode(i));
  } else throw bad(`[${m[1]}] mixes numbers and letters or is empty`);
  return values.flatMap((v) => expandRange(before + v + after, file, line));
}

export function checkHost(name: string, file: string, line: number | null): string {
  if (!HOST_NAME.test(name)) throw new InventoryFileError(file, line, `"${name}" is not a host name (letters, digits and _ . : @ - only)`);
  return name;
}

export function checkGroup(name: string, file: string, line: number | null): string {
  if (!GROUP_NAME.test(name)) throw new InventoryFileError(file, line, `"${name}" is not a group name (letters, digits and _ . - only)`);
  return name;
}

export function hostOf(p: ParsedInventory, name: string) {
  let h = p.hosts.get(name);
  if (!h) p.hosts.set(name, (h = { vars: {} }));
  return h;
}

export function groupOf(p: ParsedInventory, name: string) {
  let g = p.groups.get(name);
  if (!g) p.groups.set(name, (g = { vars: {}, hosts: [], children: [] }));
  return g;
}

/** `directord_labels` (a mapping) becomes the host's labels, so an exported inventory keeps them. */
export function takeLabels(
  file: string,
  line: number | null,
  name: string,
  vars: Record<string, unknown>,
): Record<string, string> | undefined {
  const labels = vars['directord_labels'];
  if (labels === undefined) return undefined;
  delete vars['directord_labels'];
  // INI has no mappings: `directord_labels=env=prod,tier=web`.
  if (typeof labels === 'string') {
    const pairs = labels
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('='));
    if (pairs.some((kv) => kv.length !== 2 || !kv[0]))
      throw new InventoryFileError(file, line, `${name}: directord_labels must read key=value,key=value`);
    return Object.fromEntries(pairs.map(([k, v]) => [k as string, v as string]));
  }
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
    throw new InventoryFileError(file, line, `${name}: directord_labels must be a mapping of label names to values`);
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}
