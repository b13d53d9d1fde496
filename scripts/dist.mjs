// `npm run dist [-- --linux] [--mac] [--win] [--dir] [--arch ARCH] [--electron-dist DIR]`:
// the desktop packages, into release/ (electron-builder.yml: AppImage + deb, dmg, nsis).
//   1. node scripts/build.mjs: the bundles (dist/electron, dist/directord-agent.cjs) and the console;
//   2. better-sqlite3 for Electron's ABI, per target platform (scripts/electron-native.mjs): here,
//      at packaging time, never in `npm ci`, so node_modules stays on Node's ABI for the tests;
//   3. electron-builder; its afterPack hook (scripts/after-pack.mjs) puts step 2's binary in.
// Default: the host's platform and arch. --dir makes only the unpacked app. Needs internet (step 2
// downloads a prebuild or Electron's headers; step 3 downloads Electron and the packaging tools),
// except step 3 with --dir --electron-dist DIR (an unpacked Electron of the installed version).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureElectronSqlite } from './electron-native.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORMS = { linux: 'linux', mac: 'darwin', win: 'win32' };
const HOST = { linux: 'linux', darwin: 'mac', win32: 'win' }[process.platform];

const { values } = parseArgs({
  options: {
    linux: { type: 'boolean' },
    mac: { type: 'boolean' },
    win: { type: 'boolean' },
    dir: { type: 'boolean' },
    arch: { type: 'string', default: process.arch },
    'electron-dist': { type: 'string' },
    'skip-build': { type: 'boolean' },
  },
});
const chosen = Object.keys(PLATFORMS).filter((p) => values[p]);
const platforms = chosen.length ? chosen : HOST ? [HOST] : [];
if (!platforms.length) {
  console.error(`dist: no default target for ${process.platform}; pass --linux, --mac or --win`);
  process.exit(2);
}

function step(what, cmd, args, env = process.env) {
  console.log(`dist: ${what}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`dist: failed at "${what}" (${cmd} ${args.join(' ')} exited ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

if (!values['skip-build']) step('build the bundles and the console', process.execPath, [join(root, 'scripts', 'build.mjs')]);

const electronVersion = require('electron/package.json').version;
for (const p of platforms) {
  try {
    const file = ensureElectronSqlite({ root, electronVersion, platform: PLATFORMS[p], arch: values.arch });
    console.log(`dist: better-sqlite3 for Electron ${electronVersion} ${PLATFORMS[p]}-${values.arch}: ${file}`);
  } catch (error) {
    console.error(`dist: failed at "better-sqlite3 for Electron's ABI": ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

const builderArgs = [
  ...platforms.flatMap((p) => (values.dir ? [`--${p}`, 'dir'] : [`--${p}`])),
  `--${values.arch}`,
  '--publish',
  'never',
  ...(values['electron-dist'] ? [`-c.electronDist=${resolve(values['electron-dist'])}`] : []),
];
// electron-builder must not see the nodedir npm exports from .npmrc (see electron-native.mjs).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));
step(`electron-builder ${builderArgs.join(' ')}`, process.execPath, [require.resolve('electron-builder/cli.js'), ...builderArgs], env);
console.log('dist: done; the packages are in release/');
