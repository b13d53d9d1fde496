// better-sqlite3 built for Electron's ABI, kept apart from node_modules (which stays on Node's ABI
// so the tests keep working): dist/electron-native/<platform>-<arch>/better_sqlite3.node.
// `npm start` makes the host's; `npm run dist` makes one per packaged platform, and the afterPack
// hook (scripts/after-pack.mjs) puts it into the app.
//
// Not electron-builder's own rebuild (`npmRebuild: false`): under `npm run`, npm exports
// npm_config_nodedir=/usr (from .npmrc), node-gyp then compiles against Node 20's headers and the
// result loads in Node but not in Electron (stack notes §5). Here the ABI is checked, every time.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** The NODE_MODULE_VERSION an Electron release expects (Electron 45: 150; Node 20: 115). */
export function electronAbi(electronVersion) {
  return Number(require('node-abi').getAbi(electronVersion, 'electron'));
}

/**
 * The NODE_MODULE_VERSION a native module was compiled for, read from the symbol Node's
 * NODE_MODULE_INIT exports (`node_register_module_v150`); undefined when there is none.
 */
export function moduleAbiOf(file) {
  const match = /node_register_module_v(\d+)/.exec(readFileSync(file).toString('latin1'));
  return match ? Number(match[1]) : undefined;
}

/** Throws unless `file` was built for `electronVersion`. */
export function assertElectronAbi(file, electronVersion) {
  const want = electronAbi(electronVersion);
  const got = moduleAbiOf(file);
  if (got !== want) {
    throw new Error(
      `${file} is built for NODE_MODULE_VERSION ${got ?? 'unknown'}, Electron ${electronVersion} needs ${want}` +
        (got === Number(process.versions.modules) ? ' (that is this Node: a nodedir setting leaked into the build)' : ''),
    );
  }
}

export function nativeDir(root, platform, arch) {
  return join(root, 'dist', 'electron-native', `${platform}-${arch}`);
}

/** Node's platform name for an electron-builder platform name (`mas` is macOS). */
export function nodePlatform(name) {
  return name === 'mas' ? 'darwin' : name;
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  return r.status === 0;
}

/**
 * Makes (or reuses) dist/electron-native/<platform>-<arch>/better_sqlite3.node for Electron
 * `electronVersion`: better-sqlite3's published Electron prebuild first, else a compile against
 * Electron's headers (host platform and arch only). Returns its path; throws when neither worked.
 */
export function ensureElectronSqlite({ root, electronVersion, platform = process.platform, arch = process.arch }) {
  const dir = nativeDir(root, platform, arch);
  const binding = join(dir, 'better_sqlite3.node');
  const stamp = join(dir, 'electron-version');
  if (
    existsSync(binding) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === electronVersion &&
    moduleAbiOf(binding) === electronAbi(electronVersion)
  )
    return binding;

  const work = join(dir, 'build', 'better-sqlite3');
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const source = join(root, 'node_modules', 'better-sqlite3');
  cpSync(source, work, { recursive: true, filter: (p) => p !== join(source, 'build') && p !== join(source, 'node_modules') });
  // Without the nodedir that `npm run` exports from .npmrc.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));

  const target = ['--runtime', 'electron', '--target', electronVersion, '--platform', platform, '--arch', arch];
  console.log(`electron-native: better-sqlite3 for Electron ${electronVersion} ${platform}-${arch}: downloading the prebuild`);
  const host = platform === process.platform && arch === process.arch;
  let built = run(process.execPath, [require.resolve('prebuild-install/bin.js'), ...target, '--verbose'], { cwd: work, env });
  if (!built && host) {
    console.log("electron-native: no prebuild; compiling against Electron's headers (about a minute)");
    built = run(
      process.execPath,
      [
        require.resolve('node-gyp/bin/node-gyp.js'),
        'rebuild',
        '--release',
        `--target=${electronVersion}`,
        `--arch=${arch}`,
        '--dist-url=https://electronjs.org/headers',
        '--runtime=electron',
        '--nodedir=',
      ],
      { cwd: work, env },
    );
  }
  const out = join(work, 'build', 'Release', 'better_sqlite3.node');
  if (!built || !existsSync(out)) {
    rmSync(join(dir, 'build'), { recursive: true, force: true });
    const tried = host
      ? "the prebuild download (github.com) and the compile against Electron's headers (electronjs.org) both failed"
      : 'the prebuild download (github.com) failed, and it cannot be compiled for another platform here';
    throw new Error(
      `could not get better-sqlite3 for Electron ${electronVersion} ${platform}-${arch}: ${tried}; this step needs internet access`,
    );
  }
  assertElectronAbi(out, electronVersion);
  cpSync(out, binding);
  writeFileSync(stamp, electronVersion);
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  return binding;
}
