/**
 * Inventory vars as a job's template sees them, Ansible's order (lowest first): `all`, then groups
 * by depth (a parent before its children; same depth by name), then the host's own vars; the
 * agent then lays its ARG cache and the job's `vars` over them:
 *   job vars > ARG cache on the host > host vars > child group > parent group > all.
 */
import type { InventoryIndex } from './resolve.js';
import { ALL_GROUP } from './types.js';

/** Every group `host` belongs to, directly or through children, with its depth below `all`. */
function groupsWithDepth(index: InventoryIndex, host: string): Array<{ name: string; depth: number }> {
  const groups = new Map(index.snapshot.groups.map((g) => [g.name, g]));
  const parents = new Map<string, string[]>();
  for (const g of index.snapshot.groups) for (const c of g.children) (parents.get(c) ?? parents.set(c, []).get(c))?.push(g.name);
  const depth = new Map<string, number>();
  const depthOf = (g: string, seen: Set<string>): number => {
    const known = depth.get(g);
    if (known !== undefined) return known;
    if (seen.has(g)) return 1;
    seen.add(g);
    const d = 1 + Math.max(0, ...(parents.get(g) ?? []).map((p) => depthOf(p, seen)));
    depth.set(g, d);
    return d;
  };
  const mine = new Set<string>();
  const up = (g: string) => {
    if (mine.has(g) || g === ALL_GROUP) return;
    mine.add(g);
    for (const p of parents.get(g) ?? []) up(p);
  };
  for (const g of index.groupsOf(host)) up(g);
  return [...mine].filter((g) => groups.has(g)).map((name) => ({ name, depth: depthOf(name, new Set()) }));
}

/** The inventory vars of one host (`all` < parents < children < the host). */
export function inventoryVarsOf(index: InventoryIndex, host: string): Record<string, unknown> {
  const groups = new Map(index.snapshot.groups.map((g) => [g.name, g]));
  const out: Record<string, unknown> = { ...(groups.get(ALL_GROUP)?.vars ?? {}) };
  const ordered = groupsWithDepth(index, host).sort((a, b) => a.depth - b.depth || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const g of ordered) Object.assign(out, groups.get(g.name)?.vars ?? {});
  Object.assign(out, index.hosts.get(host)?.vars ?? {});
  return out;
}

/** What a template renders with on the agent. */
export function templateVariables(
  inventoryVars: Readonly<Record<string, unknown>> | undefined,
  argCache: Readonly<Record<string, unknown>>,
  jobVars: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  return { ...(inventoryVars ?? {}), ...argCache, ...(jobVars ?? {}) };
}
