// Lint fixture: linted as components/builtin/FIXTURE.ts; must fail: components reach HTTP through ctx.http.
export async function status(url: string): Promise<number> {
  return (await globalThis.fetch(url)).status;
}
