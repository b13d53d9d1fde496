// `npm start`: build everything, give the desktop app a better-sqlite3 built for Electron's ABI
// (dist/electron-native/<platform>-<arch>/, apart from node_modules, which stays on Node's ABI for
// the tests; scripts/electron-native.mjs, shared with `npm run dist`),
// then launch Electron. Needs a machine where the Electron binary can be downloaded.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ensureElectronSqlite } from './electron-native.mjs';

const require = createRequire(import.meta.url);
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`failed: ${cmd} ${args.join(' ')}`);
    process.exit(r.status ?? 1);
  }
};

run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);

const electronVersion = require('electron/package.json').version;
try {
  ensureElectronSqlite({ root: process.cwd(), electronVersion });
} catch (error) {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

run(process.execPath, [require.resolve('electron/cli.js'), '.']);
