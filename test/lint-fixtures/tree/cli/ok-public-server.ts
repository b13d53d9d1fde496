// Breaks nothing: server/public.ts is the entry cli/ may use.
export async function load(): Promise<number> {
  return (await import('../server/public.js')).entry;
}
