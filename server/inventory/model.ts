/**
 * The inventory in memory and its edits, pure: an edit or an import is applied to a copy, checked,
 * and diffed against the current model, so the store writes exactly what changed in one unit of
 * work (a bad file or edit changes nothing).
 */
import type { SshAddress } from '../../protocol/inventory/types.js';
import { ALL_GROUP, UNGROUPED_GROUP } from '../../protocol/inventory/types.js';
import type { InventoryChanges } from '../../protocol/inventory/wire.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { InventoryHostRow, InventoryRows, InventoryWrites } from '../store/types.js';

export type HostEntry = {
  name: string;
  labels: Record<string, string>;
  vars: Record<string, unknown>;
  ssh: SshAddress | null;
  declaredAt: number;
};
export type GroupEntry = { name: string; vars: Record<string, unknown>; createdAt: number; hosts: Set<string>; children: Set<string> };
export type Model = { hosts: Map<string, HostEntry>; groups: Map<string, GroupEntry> };

/** What a parsed file declares (every format becomes this). */
export type ParsedInventory = {
  hosts: Map<string, { vars: Record<string, unknown>; labels?: Record<string, string> }>;
  groups: Map<string, { vars: Record<string, unknown>; hosts: string[]; children: string[] }>;
};

export const emptyParsed = (): ParsedInventory => ({ hosts: new Map(), groups: new Map() });

/** `all` and `ungrouped` hold vars only: their members are implicit. */
export const isImplicit = (group: string) => group === ALL_GROUP || group === UNGROUPED_GROUP;

export function modelFromRows(rows: InventoryRows): Model {
  return {
    hosts: new Map(
      rows.hosts.map((h) => [h.name, { name: h.name, labels: { ...h.labels }, vars: { ...h.vars }, ssh: h.ssh, declaredAt: h.declaredAt }]),
    ),
    groups: new Map(
      rows.groups.map((g) => [
        g.name,
        { name: g.name, vars: { ...g.vars }, createdAt: g.createdAt, hosts: new Set(g.hosts), children: new Set(g.children) },
      ]),
    ),
  };
}

export function cloneModel(m: Model): Model {
  return {
    hosts: new Map([...m.hosts].map(([k, h]) => [k, { ...h, labels: { ...h.labels }, vars: { ...h.vars } }])),
    groups: new Map(
      [...m.groups].map(([k, g]) => [k, { ...g, vars: { ...g.vars }, hosts: new Set(g.hosts), children: new Set(g.children) }]),
    ),
  };
}

/** The SSH address Add hosts uses, from Ansible's connection vars. */
export function sshOf(name: string, vars: Readonly<Record<string, unknown>>): SshAddress | null {
  const host = vars['ansible_host'] ?? vars['ansible_ssh_host'];
  const port = Number(vars['ansible_port'] ?? vars['ansible_ssh_port']);
  const user = vars['ansible_user'] ?? vars['ansible_ssh_user'];
  if (host === undefined && !Number.isInteger(port) && user === undefined) return null;
  return {
    host: typeof host === 'string' && host ? host : name,
    ...(Number.isInteger(port) && port > 0 && port < 65536 ? { port } : {}),
    ...(typeof user === 'string' && user ? { user } : {}),
  };
}

export function ensureHost(m: Model, name: string, now: number): HostEntry {
  let h = m.hosts.get(name);
  if (!h) m.hosts.set(name, (h = { name, labels: {}, vars: {}, ssh: null, declaredAt: now }));
  return h;
}

export function ensureGroup(m: Model, name: string, now: number): GroupEntry {
  let g = m.groups.get(name);
  if (!g) m.groups.set(name, (g = { name, vars: {}, createdAt: now, hosts: new Set(), children: new Set() }));
  return g;
}

/** Merges a parsed file: its vars win over the model's key by key; memberships are added. */
export function mergeParsed(m: Model, parsed: ParsedInventory, now: number): void {
  for (const [name, h] of parsed.hosts) {
    const host = ensureHost(m, name, now);
    Object.assign(host.vars, h.vars);
    if (h.labels) Object.assign(host.labels, h.labels);
    host.ssh = sshOf(name, host.vars) ?? host.ssh;
  }
  for (const [name, g] of parsed.groups) {
    if (isImplicit(name)) {
      // `all`/`ungrouped` are stored only to hold vars.
      if (Object.keys(g.vars).length) Object.assign(ensureGroup(m, name, now).vars, g.vars);
      continue;
    }
    const group = ensureGroup(m, name, now);
    Object.assign(group.vars, g.vars);
    for (const h of g.hosts) {
      ensureHost(m, h, now);
      group.hosts.add(h);
    }
    for (const c of g.children) {
      if (isImplicit(c)) continue;
      ensureGroup(m, c, now);
      group.children.add(c);
    }
  }
}

/** A cycle of children (Ansible refuses them too): the first one found, as a path. */
export function findCycle(m: Model): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (g: string): string[] | null => {
    if (state.get(g) === 'done') return null;
    if (state.get(g) === 'open') return [...path.slice(path.indexOf(g)), g];
    state.set(g, 'open');
    path.push(g);
    for (const c of m.groups.get(g)?.children ?? []) {
      const found = visit(c);
      if (found) return found;
    }
    path.pop();
    state.set(g, 'done');
    return null;
  };
  for (const g of [...m.groups.keys()].sort()) {
    const found = visit(g);
    if (found) return found;
  }
  return null;
}

export function checkModel(m: Model): Result<null> {
  const cycle = findCycle(m);
  if (cycle) return fail('conflict', `groups may not contain themselves: ${cycle.join(' → ')}`);
  return ok(null);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const hostRow = (h: HostEntry): InventoryHostRow => ({
  name: h.name,
  labels: h.labels,
  vars: h.vars,
  ssh: h.ssh,
  declaredAt: h.declaredAt,
});

/** The writes that turn `before` into `after`, and what changed by name. */
export function diffModels(before: Model, after: Model): { changes: InventoryChanges; write: (tx: InventoryWrites) => void } {
  const hosts = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
  const groups = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
  const steps: Array<(tx: InventoryWrites) => void> = [];
  for (const [name, h] of after.hosts) {
    const old = before.hosts.get(name);
    if (!old) hosts.added.push(name);
    else if (!same(hostRow(old), hostRow(h))) hosts.changed.push(name);
    else continue;
    steps.push((tx) => tx.putHost(hostRow(h)));
  }
  for (const name of before.hosts.keys()) {
    if (!after.hosts.has(name)) {
      hosts.removed.push(name);
      steps.push((tx) => tx.removeHost(name));
    }
  }
  for (const name of before.groups.keys()) {
    if (!after.groups.has(name)) {
      groups.removed.push(name);
      steps.push((tx) => tx.removeGroup(name));
    }
  }
  // Groups first (children reference them), then memberships.
  const links: Array<(tx: InventoryWrites) => void> = [];
  for (const [name, g] of after.groups) {
    const old = before.groups.get(name);
    let changed = !old;
    if (!old || !same(old.vars, g.vars)) steps.push((tx) => tx.putGroup(name, g.vars, g.createdAt));
    if (old && !same(old.vars, g.vars)) changed = true;
    const link = (step: (tx: InventoryWrites) => void) => {
      changed = true;
      links.push(step);
    };
    for (const h of g.hosts) if (!old?.hosts.has(h)) link((tx) => tx.addMember(name, h));
    for (const h of old?.hosts ?? []) if (!g.hosts.has(h)) link((tx) => tx.removeMember(name, h));
    for (const c of g.children) if (!old?.children.has(c)) link((tx) => tx.addChild(name, c));
    for (const c of old?.children ?? []) if (!g.children.has(c)) link((tx) => tx.removeChild(name, c));
    if (!old) groups.added.push(name);
    else if (changed) groups.changed.push(name);
  }
  // A host's groups changing is a change of the host too (listed once).
  const groupsOf = (m: Model) => {
    const of = new Map<string, string[]>();
    for (const g of m.groups.values()) for (const h of g.hosts) (of.get(h) ?? of.set(h, []).get(h))?.push(g.name);
    return of;
  };
  const was = groupsOf(before);
  const now = groupsOf(after);
  for (const name of after.hosts.keys()) {
    if (before.hosts.has(name) && !same(was.get(name)?.sort() ?? [], now.get(name)?.sort() ?? []) && !hosts.changed.includes(name))
      hosts.changed.push(name);
  }
  const sort = (o: { added: string[]; changed: string[]; removed: string[] }) => ({
    added: o.added.sort(),
    changed: o.changed.sort(),
    removed: o.removed.sort(),
  });
  return {
    changes: { hosts: sort(hosts), groups: sort(groups) },
    write: (tx) => {
      for (const s of steps) s(tx);
      for (const l of links) l(tx);
    },
  };
}
