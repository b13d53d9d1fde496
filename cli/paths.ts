/**
 * Where the repository (or the installed package) is, found from this module's own URL so it
 * works from the sources (cli/…), the bundles (dist/cli/…, dist/cli/commands/…) and bin/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE_NAME = 'directord-console';

export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package above ${from}`);
    dir = parent;
  }
}

/** How to start an agent process: the built one-file agent if there is one, else the sources through tsx. */
export function agentCommand(root: string = packageRoot()): { file: string; args: string[] } {
  for (const name of ['directord-agent.cjs', 'directord-agent.js']) {
    const bundle = join(root, 'dist', name);
    if (existsSync(bundle)) return { file: process.execPath, args: [bundle] };
  }
  // Not import.meta.resolve: the built CLI is CommonJS, where only import.meta.url is provided
  // (scripts/build.mjs). tsx's "." export has no conditions, so require and import agree.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return { file: process.execPath, args: ['--import', tsx, join(root, 'agent', 'main.ts')] };
}

/** The built console (renderer/dist), when it exists. */
export function consoleStaticDir(root: string = packageRoot()): string | undefined {
  const dir = join(root, 'renderer', 'dist');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** The one-file agent that bootstrap installs on other hosts (dist/directord-agent.cjs), when built. */
export function agentBundlePath(root: string = packageRoot()): string | undefined {
  const bundle = join(root, 'dist', 'directord-agent.cjs');
  return existsSync(bundle) ? bundle : undefined;
}
