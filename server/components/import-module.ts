/**
 * The module loader for user components: a dynamic `import()` of a file URL. It lives in its own
 * file and is passed to `createServer` as `importModule` by the processes that support user
 * components (the `directord server` and `serve` commands), so bundles that must not load code at
 * run time (the desktop shell's main.cjs) do not contain it.
 */
export const importModule = (url: string): Promise<unknown> => import(url);
