/**
 * Smart groups (saved, named patterns): which names a pattern refers to, and cycles between them.
 * Pure, shared by the server (refuses a save that makes a cycle) and the resolver (refuses one that
 * slipped in another way, e.g. an older file), so both name the cycle the same way.
 */
import { parsePattern } from './pattern.js';

/**
 * The plain names a pattern uses (`web`, `prod-web`): the only way one smart group reaches
 * another. Globs and regexes match host and group names only, never smart groups, so a glob
 * cannot make a cycle. A pattern that does not parse refers to nothing.
 */
export function patternNames(pattern: string): string[] {
  const terms = parsePattern(pattern);
  if (!terms.ok) return [];
  return [...new Set(terms.value.flatMap((t) => (t.atom.kind === 'name' ? [t.atom.name] : [])))];
}

/**
 * The first cycle among smart groups (`a → b → a`), looked for from `from` (or from every smart
 * group, by name), or null.
 */
export function smartCycle(smart: ReadonlyMap<string, string>, from?: string): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name)) return null;
    const pattern = smart.get(name);
    if (pattern === undefined) return null;
    path.push(name);
    for (const next of patternNames(pattern)) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    done.add(name);
    return null;
  };
  for (const name of from !== undefined ? [from] : [...smart.keys()].sort()) {
    const found = visit(name);
    if (found) return found;
  }
  return null;
}

export const cycleMessage = (cycle: readonly string[]) => `smart group ${cycle[0]} refers to itself: ${cycle.join(' → ')}`;
