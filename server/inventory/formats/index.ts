/** Picks the format of an inventory file and parses it; export writes Ansible YAML or the --list JSON. */
import { parse as parseYaml, stringify } from 'yaml';
import type { InventorySnapshot } from '../../../protocol/inventory/types.js';
import { ALL_GROUP, UNGROUPED_GROUP } from '../../../protocol/inventory/types.js';
import { SMART_GROUPS_VAR, type InventoryFormat } from '../../../protocol/inventory/wire.js';
import { naturalCompare } from '../../../protocol/inventory/resolve.js';
import type { Result } from '../../../protocol/result.js';
import type { ParsedInventory } from '../model.js';
import { asResult, GROUP_NAME, InventoryFileError } from './common.js';
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
        return takeSmartGroups(parseIni(text, fileName), fileName);
      case 'yaml':
        return takeSmartGroups(parseAnsibleYaml(text, fileName), fileName);
      case 'json':
        return takeSmartGroups(parseAnsibleJson(text, fileName), fileName);
      case 'directord':
        return parseDirectordCatalog(text, fileName);
    }
  });
}

/**
 * Smart groups travel as `all`'s var `directord_smart_groups` (NAME: PATTERN): taken out of the
 * vars into smart groups. INI has no mappings, so there it is a YAML/JSON flow mapping in a string.
 */
function takeSmartGroups(parsed: ParsedInventory, file: string): ParsedInventory {
  const all = parsed.groups.get(ALL_GROUP);
  const raw = all?.vars[SMART_GROUPS_VAR];
  if (!all || raw === undefined) return parsed;
  delete all.vars[SMART_GROUPS_VAR];
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = parseYaml(raw) as unknown;
    } catch {
      value = undefined;
    }
  }
  const expected = `all.vars.${SMART_GROUPS_VAR}: expected a mapping of smart group names to patterns, like {"prod-web": "web:&label:env=prod"}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InventoryFileError(file, null, expected);
  const smart = new Map<string, string>();
  for (const [name, pattern] of Object.entries(value)) {
    if (!GROUP_NAME.test(name))
      throw new InventoryFileError(
        file,
        null,
        `all.vars.${SMART_GROUPS_VAR}: "${name}" is not a valid smart group name (letters, digits, _ . -)`,
      );
    if (typeof pattern !== 'string' || !pattern.trim())
      throw new InventoryFileError(file, null, `all.vars.${SMART_GROUPS_VAR}.${name}: expected a pattern (a string)`);
    smart.set(name, pattern.trim());
  }
  return { ...parsed, smartGroups: smart };
}

/** `all`'s vars as written out: with the smart groups as `directord_smart_groups`. */
function allVarsOf(snapshot: InventorySnapshot): Record<string, unknown> {
  const vars = { ...(snapshot.groups.find((g) => g.name === ALL_GROUP)?.vars ?? {}) };
  const smart = [...(snapshot.smartGroups ?? [])].sort((a, b) => naturalCompare(a.name, b.name));
  if (smart.length) vars[SMART_GROUPS_VAR] = Object.fromEntries(smart.map((g) => [g.name, g.pattern]));
  return vars;
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
  const allVars = allVarsOf(snapshot);
  if (Object.keys(allVars).length) all['vars'] = allVars;
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
  const allVars = allVarsOf(snapshot);
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
