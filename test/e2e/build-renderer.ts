/**
 * Makes sure renderer/dist exists before an e2e file serves it. Builds only when it is missing
 * (or E2E_BUILD=1), under a lock directory so e2e files run in parallel never build at once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
const DIST_INDEX = join(ROOT, 'renderer/dist/index.html');
const LOCK = join(ROOT, 'renderer/.e2e-build.lock');

export async function ensureRendererBuilt(): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another file is building; a lock older than 3 minutes is stale.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for the renderer build lock');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (process.env.E2E_BUILD !== '1' && existsSync(DIST_INDEX)) return;
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
      { cwd: ROOT, stdio: 'inherit', timeout: 120_000 },
    );
    if (r.status !== 0) throw new Error('renderer build failed');
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
