/** Group rows of the Hosts page's tree: members (children included), online and offline counts, depth. */
import type { InventoryIndex } from '#protocol/inventory/resolve.js';
import { naturalCompare, selectHosts } from '#protocol/inventory/resolve.js';

export type GroupRow = Readonly<{ name: string; depth: number; members: number; online: number; offline: number }>;

export function groupRows(index: InventoryIndex): GroupRow[] {
  const groups = new Map(index.snapshot.groups.map((g) => [g.name, g]));
  const children = new Set(index.snapshot.groups.flatMap((g) => g.children));
  const rows: GroupRow[] = [];
  const count = (name: string) => {
    const members = index.members(name) ?? [];
    let online = 0;
    for (const h of members) if (index.hosts.get(h)?.online) online++;
    return { members: members.length, online, offline: members.length - online };
  };
  const visit = (name: string, depth: number, path: Set<string>) => {
    if (path.has(name)) return;
    rows.push({ name, depth, ...count(name) });
    const next = new Set(path).add(name);
    for (const c of [...(groups.get(name)?.children ?? [])].sort(naturalCompare)) visit(c, depth + 1, next);
  };
  rows.push({ name: 'all', depth: 0, ...count('all') });
  for (const g of [...groups.keys()].filter((g) => g !== 'all' && g !== 'ungrouped' && !children.has(g)).sort(naturalCompare))
    visit(g, 1, new Set());
  rows.push({ name: 'ungrouped', depth: 1, ...count('ungrouped') });
  return rows;
}

export type SmartRow = Readonly<{ name: string; pattern: string; members: number; online: number; offline: number; error: string | null }>;

/** Smart groups with live counts, resolved against the same snapshot as the tree (a broken one says why). */
export function smartRows(index: InventoryIndex): SmartRow[] {
  return [...index.smart]
    .sort(([a], [b]) => naturalCompare(a, b))
    .map(([name, pattern]) => {
      const r = selectHosts(name, index);
      if (!r.ok) return { name, pattern, members: 0, online: 0, offline: 0, error: r.error.message };
      const online = r.value.filter((h) => index.hosts.get(h)?.online).length;
      return { name, pattern, members: r.value.length, online, offline: r.value.length - online, error: null };
    });
}
