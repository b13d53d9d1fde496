/** Group rows of the Hosts page's tree: members (children included), online and offline counts, depth. */
import type { InventoryIndex } from '#protocol/inventory/resolve.js';
import { naturalCompare } from '#protocol/inventory/resolve.js';

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
