// Breaks server-through-public-entry with a dynamic import, which eslint's no-restricted-imports cannot see.
export async function load(): Promise<number> {
  return (await import('../server/internal.js')).internal;
}
