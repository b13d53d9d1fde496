/** Where the shell finds its parts, in a checkout (`npm start`) and in a packaged app. */
import { app } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type ShellPaths = Readonly<{
  dataDir: string;
  rendererDir: string;
  agentBundle: string;
  preload: string;
  /** better-sqlite3 built for Electron's ABI by `npm start` (a checkout only); in a packaged app the afterPack hook put it in place. */
  sqliteNativeBinding: string | undefined;
}>;

export function shellPaths(mainDir: string): ShellPaths {
  const root = join(mainDir, '..', '..');
  const packagedAgent = join(process.resourcesPath ?? '', 'agent', 'directord-agent.cjs');
  const devNative = join(root, 'dist', 'electron-native', `${process.platform}-${process.arch}`, 'better_sqlite3.node');
  return {
    dataDir: process.env.DIRECTORD_DATA_DIR ?? join(app.getPath('userData'), 'data'),
    rendererDir: join(root, 'renderer', 'dist'),
    agentBundle: app.isPackaged && existsSync(packagedAgent) ? packagedAgent : join(root, 'dist', 'directord-agent.cjs'),
    preload: join(mainDir, 'preload.cjs'),
    sqliteNativeBinding: !app.isPackaged && existsSync(devNative) ? devNative : undefined,
  };
}
