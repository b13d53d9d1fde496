/**
 * An operator's scope: the inventory pattern their runs must stay inside. Until inventory patterns
 * land (issue #16: `resolvePattern` in protocol/, with groups), a pattern is matched against host
 * names only: exact names, `*` globs, unions `a:b`, intersections `a:&b` and exclusions `a:!b`
 * (Ansible's order: unions first, then `&`, then `!`). MERGE #16: replace {@link hostInScope}'s body
 * with the inventory resolver so scopes speak the full inventory language.
 */

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

export type ScopeError = Readonly<{ message: string }>;

/** Null when `pattern` is well formed, else why not. */
export function scopeError(pattern: string): ScopeError | null {
  const parts = pattern.split(':');
  if (parts.some((p) => p === '' || p === '&' || p === '!'))
    return { message: `scope ${JSON.stringify(pattern)}: an empty part (write a:b, a:&b or a:!b)` };
  if (!parts.some((p) => !p.startsWith('&') && !p.startsWith('!')))
    return { message: `scope ${JSON.stringify(pattern)}: needs at least one host or glob to start from` };
  return null;
}

export function hostInScope(pattern: string, host: string): boolean {
  if (scopeError(pattern)) return false;
  const parts = pattern.split(':');
  const union = parts.filter((p) => !p.startsWith('&') && !p.startsWith('!'));
  const all = parts.filter((p) => p.startsWith('&')).map((p) => p.slice(1));
  const none = parts.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return union.some((p) => glob(p).test(host)) && all.every((p) => glob(p).test(host)) && !none.some((p) => glob(p).test(host));
}

/** The hosts of `hosts` outside `pattern`, in order. */
export function outsideScope(pattern: string, hosts: Iterable<string>): string[] {
  return [...new Set(hosts)].filter((h) => !hostInScope(pattern, h));
}
