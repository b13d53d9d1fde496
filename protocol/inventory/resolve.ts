/**
 * Resolves a host pattern against an inventory snapshot (pure). Ansible's rules: plain terms are
 * unioned first, then `&` terms intersect, then `!` terms exclude, whatever order they are written
 * in; a pattern of only `&`/`!` terms starts from `all`. A name that is a host is that host (so
 * Directord files naming identities run unchanged), a group expands to its members and its
 * children's; a name that is both is refused, and so is one that is neither. Globs and regexes
 * match host and group names (regexes unanchored, like Ansible's `re.search`).
 */
import { fail, ok, type Result } from '../result.js';
import { closestNames } from './closest.js';
import { parsePattern, type Atom, type Slice, type Term } from './pattern.js';
import { ALL_GROUP, UNGROUPED_GROUP, type InventoryHost, type InventorySnapshot, type PatternResolution } from './types.js';

const collator = new Intl.Collator('en', { numeric: true });
/** Natural order (web-2 before web-10): the order slices count in. */
export const naturalCompare = (a: string, b: string) => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

export type InventoryIndex = Readonly<{
  snapshot: InventorySnapshot;
  hosts: ReadonlyMap<string, InventoryHost>;
  /** Every host in natural order. */
  ordered: readonly string[];
  /** A group's members, its children's included, in natural order. */
  members(group: string): readonly string[] | undefined;
  groupNames: readonly string[];
  /** Direct groups of each host (implicit ones excluded). */
  groupsOf(host: string): readonly string[];
}>;

/** Builds the lookups once; reuse it to resolve many patterns against the same inventory. */
export function indexInventory(snapshot: InventorySnapshot): InventoryIndex {
  const hosts = new Map(snapshot.hosts.map((h) => [h.name, h]));
  const ordered = [...hosts.keys()].sort(naturalCompare);
  const groups = new Map(snapshot.groups.map((g) => [g.name, g]));
  const direct = new Map<string, string[]>();
  for (const g of snapshot.groups) for (const h of g.hosts) (direct.get(h) ?? direct.set(h, []).get(h))?.push(g.name);
  const memo = new Map<string, readonly string[]>();
  const expand = (name: string, seen: Set<string>, into: Set<string>) => {
    if (seen.has(name)) return; // a cycle of children adds nothing more
    seen.add(name);
    const g = groups.get(name);
    if (!g) return;
    for (const h of g.hosts) if (hosts.has(h)) into.add(h);
    for (const c of g.children) expand(c, seen, into);
  };
  const members = (group: string): readonly string[] | undefined => {
    if (group === ALL_GROUP) return ordered;
    if (group === UNGROUPED_GROUP && !groups.has(UNGROUPED_GROUP)) return ordered.filter((h) => !direct.has(h));
    if (!groups.has(group)) return undefined;
    let m = memo.get(group);
    if (!m) {
      const into = new Set<string>();
      expand(group, new Set(), into);
      memo.set(group, (m = [...into].sort(naturalCompare)));
    }
    return m;
  };
  const groupNames = [...new Set([...groups.keys(), ALL_GROUP, UNGROUPED_GROUP])].sort(naturalCompare);
  return { snapshot, hosts, ordered, members, groupNames, groupsOf: (h) => direct.get(h) ?? [] };
}

function applySlice(hosts: readonly string[], slice: Slice | null): readonly string[] {
  if (!slice) return hosts;
  const at = (i: number) => (i < 0 ? hosts.length + i : i);
  if (slice.single) {
    const h = hosts[at(slice.start ?? 0)];
    return h === undefined ? [] : [h];
  }
  const start = Math.max(0, at(slice.start ?? 0));
  const end = slice.end === null ? hosts.length - 1 : at(slice.end);
  return hosts.slice(start, end + 1);
}

function factValue(facts: Readonly<Record<string, unknown>> | null, key: string): string | undefined {
  let v: unknown = facts;
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function unknownName(index: InventoryIndex, name: string) {
  const near = closestNames(name, [...index.ordered, ...index.groupNames]);
  return fail('unknown-target', `no host or group is named "${name}"` + (near.length ? ` (closest: ${near.join(', ')})` : ''), {
    details: { name, closest: near },
  });
}

function matchAtom(index: InventoryIndex, atom: Atom): Result<readonly string[]> {
  switch (atom.kind) {
    case 'all':
      return ok(index.ordered);
    case 'name': {
      const isHost = index.hosts.has(atom.name);
      const group = index.members(atom.name);
      if (isHost && group && atom.name !== ALL_GROUP) {
        return fail(
          'conflict',
          `"${atom.name}" is both a host and a group (of ${group.length} host${group.length === 1 ? '' : 's'}); rename the group or the host`,
          {
            details: { name: atom.name },
          },
        );
      }
      if (isHost) return ok([atom.name]);
      if (group) return ok(group);
      return unknownName(index, atom.name);
    }
    case 'glob':
    case 'regex': {
      const set = new Set<string>();
      const test = (n: string) => (atom.kind === 'glob' ? atom.re.test(n) : atom.re.test(n));
      for (const g of index.groupNames) if (test(g)) for (const h of index.members(g) ?? []) set.add(h);
      for (const h of index.ordered) if (test(h)) set.add(h);
      return ok([...set].sort(naturalCompare));
    }
    case 'label':
      return ok(
        index.ordered.filter((h) => {
          const labels = index.hosts.get(h)?.labels ?? {};
          return atom.value === null ? Object.hasOwn(labels, atom.key) : labels[atom.key] === atom.value;
        }),
      );
    case 'fact':
      return ok(
        index.ordered.filter((h) => {
          const v = factValue(index.hosts.get(h)?.facts ?? null, atom.key);
          return v !== undefined && (atom.re ? atom.re.test(v) : v === atom.value);
        }),
      );
  }
}

/** The bare word of a term, for "closest names" when the whole pattern matched nothing. */
const wordOf = (t: Term) =>
  t.text
    .replace(/^[&!~]/, '')
    .replace(/\[[^\]]*\]$/, '')
    .replace(/[*?\\^$()+{}|]/g, '');

/** Resolves parsed terms; an empty result is an error naming the closest hosts and groups. */
export function resolveTerms(pattern: string, terms: readonly Term[], index: InventoryIndex): Result<PatternResolution> {
  const ordered = [
    ...terms.filter((t) => t.op === 'union'),
    ...terms.filter((t) => t.op === 'and'),
    ...terms.filter((t) => t.op === 'not'),
  ];
  let current: Set<string> = ordered[0]?.op === 'union' ? new Set() : new Set(index.ordered);
  for (const term of ordered) {
    const matched = matchAtom(index, term.atom);
    if (!matched.ok) return matched;
    const hosts = applySlice(matched.value, term.slice);
    if (term.op === 'union') for (const h of hosts) current.add(h);
    else if (term.op === 'and') {
      const keep = new Set(hosts);
      current = new Set([...current].filter((h) => keep.has(h)));
    } else for (const h of hosts) current.delete(h);
  }
  const hosts = [...current].sort(naturalCompare);
  if (!hosts.length) {
    const words = [
      ...new Set(
        terms
          .filter((t) => t.op !== 'not')
          .map(wordOf)
          .filter(Boolean),
      ),
    ];
    const near = [...new Set(words.flatMap((w) => closestNames(w, [...index.ordered, ...index.groupNames])))].slice(0, 5);
    return fail(
      'unknown-target',
      `pattern "${pattern}" matches no host` + (near.length ? ` (closest host and group names: ${near.join(', ')})` : ''),
      {
        details: { pattern, closest: near },
      },
    );
  }
  const offline: string[] = [];
  const notEnrolled: string[] = [];
  for (const h of hosts) {
    const host = index.hosts.get(h);
    if (!host?.enrolled) notEnrolled.push(h);
    else if (!host.online) offline.push(h);
  }
  return ok({ pattern, hosts, offline, notEnrolled });
}

/**
 * The one entry point (submit, the console's preview, team scopes): a pattern against a snapshot
 * (or an index of one, when resolving many patterns).
 */
export function resolvePattern(pattern: string, inventory: InventorySnapshot | InventoryIndex): Result<PatternResolution> {
  const terms = parsePattern(pattern);
  if (!terms.ok) return terms;
  const index = 'members' in inventory ? inventory : indexInventory(inventory);
  return resolveTerms(pattern, terms.value, index);
}

/** A list of patterns (an entry's `targets:`, a job's `assign:`, repeated `--target`): their union. */
export function resolvePatterns(patterns: readonly string[], inventory: InventorySnapshot | InventoryIndex): Result<PatternResolution> {
  const index = 'members' in inventory ? inventory : indexInventory(inventory);
  const hosts = new Set<string>();
  const offline = new Set<string>();
  const notEnrolled = new Set<string>();
  for (const p of patterns) {
    const r = resolvePattern(p, index);
    if (!r.ok) return r;
    for (const h of r.value.hosts) hosts.add(h);
    for (const h of r.value.offline) offline.add(h);
    for (const h of r.value.notEnrolled) notEnrolled.add(h);
  }
  const sort = (s: Set<string>) => [...s].sort(naturalCompare);
  return ok({ pattern: patterns.join(', '), hosts: sort(hosts), offline: sort(offline), notEnrolled: sort(notEnrolled) });
}
