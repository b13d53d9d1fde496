/**
 * Which secrets a job uses (issue #18): the names behind `{{ secrets.NAME }}` (or `secrets['NAME']`)
 * inside the template parts (`{{ … }}`, `{% … %}`) of any string of its fields and vars. The server
 * resolves exactly these for the agents that run the job, checks they exist at submit, and puts
 * their versions in the job SHA. Pure (shared by the server and the console's checks).
 */

const SEGMENT = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const REF = /(?<![\w.])secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\2\s*\])/g;

function collect(value: unknown, into: Set<string>, depth: number): void {
  if (depth > 64) return;
  if (typeof value === 'string') {
    // Cheap test first: almost no job mentions secrets at all.
    if (!value.includes('secrets') || !value.includes('{')) return;
    for (const segment of value.match(SEGMENT) ?? []) {
      for (const m of segment.matchAll(REF)) into.add((m[1] ?? m[3])!);
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      collect(k, into, depth + 1);
      collect(v, into, depth + 1);
    }
  }
}

/** The secret names `values` (job fields, vars: any JSON) refer to, sorted, each once. */
export function secretRefs(...values: readonly unknown[]): string[] {
  const names = new Set<string>();
  for (const v of values) collect(v, names, 0);
  return [...names].sort();
}
