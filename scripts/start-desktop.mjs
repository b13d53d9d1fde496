// `npm start`: build everything, give the desktop app a better-sqlite3 built for Electron's ABI
// (kept apart in dist/electron-native/ so node_modules stays on Node's ABI for the tests),
// then launch Electron. Needs a machine where the Electron binary can be downloaded.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) { console.error(`failed: ${cmd} ${args.join(' ')}`); process.exit(r.status ?? 1); }
};

run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn']);

const electronVersion = require('electron/package.json').version;
const nativeOut = join('dist', 'electron-native');
const binding = join(nativeOut, 'better_sqlite3.node');
const stamp = join(nativeOut, `electron-${electronVersion}`);
if (!existsSync(binding) || !existsSync(stamp)) {
  const work = join(nativeOut, 'build', 'better-sqlite3');
  rmSync(join(nativeOut, 'build'), { recursive: true, force: true });
  mkdirSync(join(nativeOut, 'build'), { recursive: true });
  cpSync(join('node_modules', 'better-sqlite3'), work, { recursive: true, filter: (p) => !p.includes(`${join('build', 'Release', 'obj')}`) });
  // Prebuilt binaries for Electron are published by better-sqlite3; fall back to compiling.
  const prebuilt = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion], { cwd: work, stdio: 'inherit' });
  if (prebuilt.status !== 0) {
    // ~/.npmrc's nodedir would make node-gyp compile against Node's headers (stack notes §5).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));
    run(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers', '--runtime=electron', '--nodedir='], { cwd: work, env });
  }
  cpSync(join(work, 'build', 'Release', 'better_sqlite3.node'), binding);
  mkdirSync(stamp, { recursive: true });
}

run(process.execPath, [require.resolve('electron/cli.js'), '.']);
