/** Picks the format of an inventory file and parses it; export writes Ansible YAML or the --list JSON. */
import { stringify } from 'yaml';
import type { InventorySnapshot } from '../../../protocol/inventory/types.js';
import { ALL_GROUP, UNGROUPED_GROUP } from '../../../protocol/inventory/types.js';
import type { InventoryFormat } from '../../../protocol/inventory/wire.js';
import { naturalCompare } from '../../../protocol/inventory/resolve.js';
import type { Result } from '../../../protocol/result.js';
import type { ParsedInventory } from '../model.js';
import { asResult } from './common.js';
import { parseIni } from './ini.js';
import { parseAnsibleJson } from './json.js';
import { isDirectordCatalog, parseAnsibleYaml, parseDirectordCatalog } from './yaml.js';

export function detectFormat(fileName: string, text: string): Exclude<InventoryFormat, 'auto'> {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json') || /^\s*\{/.test(text)) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return isDirectordCatalog(text) ? 'directord' : 'yaml';
  if (lower.endsWith('.ini') || lower.endsWith('.cfg') || /^\s*\[[^\]]+\]\s*$/m.test(text)) return 'ini';
  return isDirectordCatalog(text) ? 'directord' : /^[A-Za-z0-9_.-]+:\s*$/m.test(text) ? 'yaml' : 'ini';
}

export function parseInventoryFile(fileName: string, text: string, format: InventoryFormat = 'auto'): Result<ParsedInventory> {
  const f = format === 'auto' ? detectFormat(fileName, text) : format;
  return asResult(() => {
    switch (f) {
      case 'ini':
        return parseIni(text, fileName);
      case 'yaml':
        return parseAnsibleYaml(text, fileName);
      case 'json':
        return parseAnsibleJson(text, fileName);
      case 'directord':
        return parseDirectordCatalog(text, fileName);
    }
  });
}

const hostVars = (h: InventorySnapshot['hosts'][number]) => ({
  ...h.vars,
  ...(Object.keys(h.labels).length ? { directord_labels: { ...h.labels } } : {}),
});

/**
 * Ansible YAML: every group once under `all.children` (children by name), each host's vars where
 * it is first listed, ungrouped hosts under `all.hosts`. Import of this gives the same inventory.
 */
export function exportYaml(snapshot: InventorySnapshot): string {
  const hosts = [...snapshot.hosts].sort((a, b) => naturalCompare(a.name, b.name));
  const groups = [...snapshot.groups].sort((a, b) => naturalCompare(a.name, b.name));
  const written = new Set<string>();
  const entry = (name: string) => {
    if (written.has(name)) return null;
    written.add(name);
    const h = hosts.find((x) => x.name === name);
    const vars = h ? hostVars(h) : {};
    return Object.keys(vars).length ? vars : null;
  };
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const grouped = new Set(groups.filter((g) => g.name !== ALL_GROUP && g.name !== UNGROUPED_GROUP).flatMap((g) => g.hosts));
  const children: Record<string, unknown> = {};
  for (const g of groups) {
    if (g.name === ALL_GROUP) continue;
    const body: Record<string, unknown> = {};
    const members = [...g.hosts].filter((h) => byName.has(h)).sort(naturalCompare);
    if (members.length) body['hosts'] = Object.fromEntries(members.map((h) => [h, entry(h)]));
    if (g.children.length) body['children'] = Object.fromEntries([...g.children].sort(naturalCompare).map((c) => [c, null]));
    if (Object.keys(g.vars).length) body['vars'] = g.vars;
    children[g.name] = Object.keys(body).length ? body : null;
  }
  const all: Record<string, unknown> = {};
  const ungrouped = hosts.filter((h) => !grouped.has(h.name));
  if (ungrouped.length) all['hosts'] = Object.fromEntries(ungrouped.map((h) => [h.name, entry(h.name)]));
  if (Object.keys(children).length) all['children'] = children;
  const allVars = snapshot.groups.find((g) => g.name === ALL_GROUP)?.vars;
  if (allVars && Object.keys(allVars).length) all['vars'] = allVars;
  return stringify({ all }, { lineWidth: 0 });
}

/** The shape of `ansible-inventory --list`. */
export function exportJson(snapshot: InventorySnapshot): string {
  const out: Record<string, unknown> = {};
  const groups = snapshot.groups.filter((g) => g.name !== ALL_GROUP && g.name !== UNGROUPED_GROUP);
  const grouped = new Set(groups.flatMap((g) => g.hosts));
  const parented = new Set(groups.flatMap((g) => g.children));
  out['_meta'] = {
    hostvars: Object.fromEntries(snapshot.hosts.filter((h) => Object.keys(hostVars(h)).length).map((h) => [h.name, hostVars(h)])),
  };
  const allVars = snapshot.groups.find((g) => g.name === ALL_GROUP)?.vars ?? {};
  out['all'] = {
    children: ['ungrouped', ...groups.filter((g) => !parented.has(g.name)).map((g) => g.name)],
    ...(Object.keys(allVars).length ? { vars: allVars } : {}),
  };
  for (const g of groups)
    out[g.name] = {
      ...(g.hosts.length ? { hosts: g.hosts } : {}),
      ...(g.children.length ? { children: g.children } : {}),
      ...(Object.keys(g.vars).length ? { vars: g.vars } : {}),
    };
  out['ungrouped'] = { hosts: snapshot.hosts.filter((h) => !grouped.has(h.name)).map((h) => h.name) };
  return JSON.stringify(out, null, 2) + '\n';
}
