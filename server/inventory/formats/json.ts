/** The JSON of `ansible-inventory --list`: groups with hosts/children/vars and `_meta.hostvars`. */
import type { ParsedInventory } from '../model.js';
import { emptyParsed } from '../model.js';
import { checkGroup, checkHost, groupOf, hostOf, InventoryFileError, takeLabels } from './common.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseAnsibleJson(text: string, file: string): ParsedInventory {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : null;
    throw new InventoryFileError(file, line, `not valid JSON (${message})`);
  }
  if (!isObject(root)) throw new InventoryFileError(file, 1, 'expected an object of groups (the output of ansible-inventory --list)');
  const p = emptyParsed();
  const list = (v: unknown, what: string) => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new InventoryFileError(file, null, `${what}: expected a list of names`);
    return v as string[];
  };
  for (const [name, value] of Object.entries(root)) {
    if (name === '_meta') continue;
    checkGroup(name, file, null);
    // The older form: a group may be just a list of hosts.
    const g = Array.isArray(value) ? { hosts: value } : value;
    if (!isObject(g)) throw new InventoryFileError(file, null, `group ${name}: expected {hosts, children, vars}`);
    const group = groupOf(p, name);
    for (const h of list(g['hosts'], `${name}.hosts`)) {
      hostOf(p, checkHost(h, file, null));
      group.hosts.push(h);
    }
    for (const c of list(g['children'], `${name}.children`)) group.children.push(checkGroup(c, file, null));
    if (g['vars'] !== undefined && !isObject(g['vars'])) throw new InventoryFileError(file, null, `${name}.vars: expected a mapping`);
    Object.assign(group.vars, g['vars'] ?? {});
  }
  const meta = root['_meta'];
  const hostvars = isObject(meta) ? meta['hostvars'] : undefined;
  if (hostvars !== undefined && !isObject(hostvars))
    throw new InventoryFileError(file, null, '_meta.hostvars: expected a mapping of host names to vars');
  for (const [name, vars] of Object.entries(hostvars ?? {})) {
    if (!isObject(vars)) throw new InventoryFileError(file, null, `_meta.hostvars.${name}: expected a mapping`);
    const h = hostOf(p, checkHost(name, file, null));
    const copy = { ...vars };
    const labels = takeLabels(file, null, name, copy);
    Object.assign(h.vars, copy);
    if (labels) h.labels = labels;
  }
  return p;
}
