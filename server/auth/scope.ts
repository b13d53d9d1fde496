/**
 * An operator's scope (issue #18): an inventory pattern (protocol/inventory: names, groups, globs,
 * regexes, `label:`, `fact:`, slices, unions `a:b`, intersections `a:&b`, exclusions `a:!b`) that
 * every host their runs reach must be inside. Resolved against the inventory as it is when the
 * request is made, so `web:&label:env=prod` follows hosts joining or leaving the group or label.
 *
 * It fails closed: a name the inventory does not know adds nothing to the scope (and an `&` with
 * one empties it), a name that is both a host and a group admits nothing, and a host not in the
 * inventory is outside every scope.
 */
import { parsePattern, type Term } from '../../protocol/inventory/pattern.js';
import { resolveTerms, type InventoryIndex } from '../../protocol/inventory/resolve.js';
import { ALL_GROUP } from '../../protocol/inventory/types.js';

export type ScopeError = Readonly<{ message: string }>;

/** Null when `pattern` is a well-formed scope, else why not. */
export function scopeError(pattern: string): ScopeError | null {
  const terms = parsePattern(pattern);
  if (!terms.ok)
    return { message: `scope ${JSON.stringify(pattern)}: ${terms.error.message.replace(/^invalid target pattern "[^"]*": /, '')}` };
  // A scope says where it starts (`all:!db*`, not `!db*`): one that begins from everything by accident is no scope.
  if (!terms.value.some((t) => t.op === 'union'))
    return {
      message: `scope ${JSON.stringify(pattern)}: needs at least one host, group or pattern to start from (write all:!x to start from every host)`,
    };
  return null;
}

const knows = (index: InventoryIndex, t: Term) =>
  t.atom.kind !== 'name' || t.atom.name === ALL_GROUP || index.hosts.has(t.atom.name) || index.members(t.atom.name) !== undefined;

/** The hosts of the inventory inside `pattern` (empty for a broken scope). */
export function scopeHosts(pattern: string, index: InventoryIndex): ReadonlySet<string> {
  const terms = parsePattern(pattern);
  if (!terms.ok || scopeError(pattern)) return new Set();
  if (terms.value.some((t) => t.op === 'and' && !knows(index, t))) return new Set();
  const known = terms.value.filter((t) => knows(index, t));
  // Dropping every union term would make the pattern start from all hosts: the opposite of what was meant.
  if (!known.some((t) => t.op === 'union')) return new Set();
  const resolved = resolveTerms(pattern, known, index);
  return resolved.ok ? new Set(resolved.value.hosts) : new Set();
}

/** The hosts of `hosts` outside `pattern`, in order, each once. */
export function outsideScope(pattern: string, hosts: Iterable<string>, index: InventoryIndex): string[] {
  const inside = scopeHosts(pattern, index);
  return [...new Set(hosts)].filter((h) => !inside.has(h));
}

export const outsideMessage = (role: string, user: string, outside: readonly string[], scope: string, nothing = 'nothing was dispatched') =>
  `forbidden: ${role} ${user} may not reach ${outside.join(', ')} (outside the scope ${scope}); ${nothing}`;
