/**
 * "Did you mean …?" for host names: the known names nearest to a name the user typed, by edit
 * distance. Pure (the server, the CLI and the console use it to name what an unknown target
 * was probably meant to be).
 */

/** Levenshtein distance (insert, delete, substitute one character = 1), case-sensitive. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * Up to `max` of `known` nearest to `name` (case-insensitive distance; ties keep `known`'s
 * order). Names further than half the longer of the two are no help and left out, so a name
 * unlike every host gets no suggestion rather than a random one.
 */
export function closestNames(name: string, known: readonly string[], max = 3): string[] {
  const wanted = name.toLowerCase();
  return [...new Set(known)]
    .map((k, order) => ({ k, order, d: editDistance(wanted, k.toLowerCase()) }))
    .filter((x) => x.d <= Math.floor(Math.max(wanted.length, x.k.length) / 2))
    .sort((a, b) => a.d - b.d || a.order - b.order)
    .slice(0, max)
    .map((x) => x.k);
}

/** `ghost (closest: node-1, node-2)` for each unknown name, joined with `; `. */
export function describeUnknown(unknown: readonly string[], known: readonly string[]): string {
  return unknown
    .map((u) => {
      const near = closestNames(u, known);
      return near.length ? `${u} (closest: ${near.join(', ')})` : u;
    })
    .join('; ');
}
