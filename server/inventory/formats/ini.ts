/**
 * Ansible's INI inventory: ungrouped hosts first, `[group]` host lines with inline `k=v` vars,
 * `[group:vars]` and `[group:children]`, ranges, `host:port`. Inline values that read as numbers
 * or booleans become them (Ansible evaluates them as literals); `[g:vars]` values stay strings.
 */
import type { ParsedInventory } from '../model.js';
import { checkGroup, checkHost, expandRange, groupOf, hostOf, InventoryFileError, takeLabels } from './common.js';
import { emptyParsed } from '../model.js';

/** Splits `a=1 b="two words" c='x'` respecting quotes. */
function tokens(text: string, file: string, line: number): string[] {
  const out: string[] = [];
  const re = /\s*((?:[^\s"']+|"(?:[^"\\]|\\.)*"|'[^']*')+)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(text))) {
    out.push(m[1] as string);
    last = re.lastIndex;
  }
  if (text.slice(last).trim()) throw new InventoryFileError(file, line, `an unterminated quote in "${text.trim()}"`);
  return out;
}

const unquote = (v: string) => (/^"(.*)"$/.test(v) ? v.slice(1, -1).replace(/\\(.)/g, '$1') : /^'(.*)'$/.test(v) ? v.slice(1, -1) : v);

function literal(v: string): unknown {
  if (/^["']/.test(v)) return unquote(v);
  if (/^-?\d+$/.test(v) && Math.abs(Number(v)) <= Number.MAX_SAFE_INTEGER) return Number(v);
  if (/^-?\d+\.\d+$/.test(v)) return Number(v);
  if (v === 'True' || v === 'true') return true;
  if (v === 'False' || v === 'false') return false;
  return v;
}

function assignment(token: string, file: string, line: number): [string, string] {
  const eq = token.indexOf('=');
  if (eq <= 0) throw new InventoryFileError(file, line, `"${token}": expected key=value`);
  return [token.slice(0, eq), token.slice(eq + 1)];
}

export function parseIni(text: string, file: string): ParsedInventory {
  const p = emptyParsed();
  let section: { group: string; kind: 'hosts' | 'vars' | 'children' } = { group: 'ungrouped', kind: 'hosts' };
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const s = raw.trim();
    if (!s || s.startsWith('#') || s.startsWith(';')) continue;
    if (s.startsWith('[')) {
      const m = /^\[([^\]:]+)(?::(vars|children))?\]\s*(?:[#;].*)?$/.exec(s);
      if (!m) throw new InventoryFileError(file, line, `"${s}": expected a section header [group], [group:vars] or [group:children]`);
      const group = checkGroup((m[1] as string).trim(), file, line);
      section = { group, kind: (m[2] as 'vars' | 'children' | undefined) ?? 'hosts' };
      groupOf(p, group);
      continue;
    }
    if (section.kind === 'vars') {
      const eq = s.indexOf('=');
      if (eq <= 0) throw new InventoryFileError(file, line, `"${s}": expected key=value in [${section.group}:vars]`);
      groupOf(p, section.group).vars[s.slice(0, eq).trim()] = unquote(s.slice(eq + 1).trim());
      continue;
    }
    if (section.kind === 'children') {
      if (/\s/.test(s)) throw new InventoryFileError(file, line, `"${s}": expected one group name per line in [${section.group}:children]`);
      groupOf(p, checkGroup(s, file, line));
      groupOf(p, section.group).children.push(s);
      continue;
    }
    const [first = '', ...rest] = tokens(s, file, line);
    let name = first;
    const vars: Record<string, unknown> = {};
    const port = /^([^:[\]]+|[^:]*\[[^\]]*\][^:]*):(\d{1,5})$/.exec(first);
    if (port) {
      name = port[1] as string;
      vars['ansible_port'] = Number(port[2]);
    }
    for (const t of rest) {
      const [k, v] = assignment(t, file, line);
      vars[k] = literal(v);
    }
    const labels = takeLabels(file, line, name, vars);
    for (const host of expandRange(name, file, line)) {
      checkHost(host, file, line);
      const h = hostOf(p, host);
      Object.assign(h.vars, vars);
      if (labels) h.labels = { ...h.labels, ...labels };
      if (section.group !== 'ungrouped') groupOf(p, section.group).hosts.push(host);
    }
  }
  return p;
}
