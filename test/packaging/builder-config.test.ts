/**
 * electron-builder.yml against what the desktop app loads. Besides reading the config, it runs the
 * real electron-builder on it (`--linux dir`: the unpacked app, the step before AppImage/deb) with
 * a stand-in Electron folder as `electronDist` and a stand-in Electron-ABI better-sqlite3 for the
 * afterPack hook, which works offline in ~10 s. Then it checks the output with electron-builder's
 * own file matching having been applied: the app's main, preload and console, every module the
 * bundles require at runtime (read from esbuild's metafiles, dist/meta/) with its dependencies,
 * better-sqlite3's binary unpacked and replaced by the hook, the agent as an extra resource, and
 * nothing the app does not load. Removing a `files`/`asarUnpack`/`extraResources` entry fails it.
 * Needs `node scripts/build.mjs` first (`npm test` runs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const config = parseYaml(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  files: string[];
  asarUnpack: string[];
  npmRebuild?: boolean;
  afterPack?: string;
  extraResources: Array<{ from: string; to: string }>;
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
  directories: { buildResources: string };
};
const asar = require('@electron/asar') as {
  listPackage(archive: string, options: object): string[];
  extractAll(archive: string, dest: string): void;
};
type Native = { electronAbi(version: string): number; moduleAbiOf(file: string): number | undefined };
type AfterPack = { default(context: object): Promise<void>; UNPACKED_BINDING: string[] };
const afterPack = (await import(pathToFileURL(join(ROOT, 'scripts', 'after-pack.mjs')).href)) as AfterPack;
const ELECTRON_VERSION = (require('electron/package.json') as { version: string }).version;
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

type Metafile = { outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }> };

/** The packages a bundle loads at runtime: its external, non-built-in imports (esbuild's metafile). */
function runtimeImports(meta: string, output: string): string[] {
  const file = join(ROOT, 'dist', 'meta', `${meta}.json`);
  assert.ok(existsSync(file), `${relative(ROOT, file)} is missing: run node scripts/build.mjs`);
  const out = (JSON.parse(readFileSync(file, 'utf8')) as Metafile).outputs[output];
  assert.ok(out, `${meta}.json has no output ${output}`);
  return [...new Set(out.imports.filter((i) => i.external && !BUILTINS.has(i.path)).map((i) => i.path))].sort();
}

/** True when every `require("name")` in the bundle sits inside a try block (an optional speed-up). */
function requiredOnlyInTry(bundle: string, name: string): boolean {
  const text = readFileSync(bundle, 'utf8');
  const calls = [...text.matchAll(new RegExp(`\\brequire\\(\\s*["'\`]${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}["'\`]\\s*\\)`, 'g'))];
  return calls.length > 0 && calls.every((m) => /try\s*\{[^}]*$/.test(text.slice(Math.max(0, (m.index ?? 0) - 200), m.index)));
}

const work = mkdtempSync(join(tmpdir(), 'directord-builder-'));
const out = join(work, 'out');
const resources = join(out, `linux-unpacked`, 'resources');
const extracted = join(work, 'app');
const nativeDir = join(work, 'native');
let builderLog = '';
let asarFiles: string[] = [];
let fakeBinding = Buffer.alloc(0);

// electron/paths.ts imports `electron`; give it a packaged-app stand-in.
const STUB = `export const app = { isPackaged: true, getPath: (n) => ${JSON.stringify(work)} + '/' + n };`;
register(
  `data:text/javascript,${encodeURIComponent(`export async function resolve(s, c, next) {
  if (s === 'electron') return { url: 'data:text/javascript,' + encodeURIComponent(${JSON.stringify(STUB)}), shortCircuit: true };
  return next(s, c);
}`)}`,
);

before(async () => {
  for (const f of [pkg.main, 'dist/electron/preload.cjs', 'dist/directord-agent.cjs', 'renderer/dist/index.html']) {
    assert.ok(existsSync(join(ROOT, f)), `${f} is missing: run node scripts/build.mjs`);
  }
  // A stand-in unpacked Electron (electron-builder copies it and renames the binary) …
  mkdirSync(join(work, 'electron-dist'));
  writeFileSync(join(work, 'electron-dist', 'electron'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(work, 'electron-dist', 'electron'), 0o755);
  // … and a stand-in better-sqlite3 carrying Electron's module version, for the afterPack hook.
  const native = (await import(pathToFileURL(join(ROOT, 'scripts', 'electron-native.mjs')).href)) as Native;
  fakeBinding = Buffer.from(`stand-in\0node_register_module_v${native.electronAbi(ELECTRON_VERSION)}\0`);
  mkdirSync(join(nativeDir, `linux-${process.arch}`), { recursive: true });
  writeFileSync(join(nativeDir, `linux-${process.arch}`, 'better_sqlite3.node'), fakeBinding);

  const args = [
    require.resolve('electron-builder/cli.js'),
    '--linux',
    'dir',
    `--${process.arch}`,
    '--publish',
    'never',
    `-c.directories.output=${out}`,
    `-c.electronDist=${join(work, 'electron-dist')}`,
  ];
  const env = { ...process.env, DIRECTORD_ELECTRON_NATIVE_DIR: nativeDir, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (builderLog += d.toString()));
    child.stderr.on('data', (d: Buffer) => (builderLog += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, `electron-builder failed:\n${builderLog.slice(-4000)}`);
  asarFiles = asar.listPackage(join(resources, 'app.asar'), {}).map((p) => p.split(sep).join('/').replace(/^\//, ''));
  asar.extractAll(join(resources, 'app.asar'), extracted);
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('electron-builder.yml', { timeout: 300_000 }, () => {
  test('targets: Linux AppImage and deb, macOS dmg, Windows nsis', () => {
    assert.deepEqual([...config.linux.target].sort(), ['AppImage', 'deb']);
    assert.deepEqual(config.mac.target, ['dmg']);
    assert.deepEqual(config.win.target, ['nsis']);
  });

  test('the Electron-ABI rebuild happens at packaging time, by the afterPack hook, not by electron-builder or npm ci', () => {
    // electron-builder's rebuild would inherit nodedir=/usr from .npmrc under `npm run` and build for Node's ABI.
    assert.equal(config.npmRebuild, false);
    assert.equal(config.afterPack, './scripts/after-pack.mjs');
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const hook of ['preinstall', 'install', 'postinstall'])
      assert.equal(scripts[hook], undefined, `a ${hook} script would run during npm ci`);
    assert.doesNotMatch(scripts.prepare ?? '', /rebuild|electron-builder|node-gyp/);
    assert.equal(scripts.dist, 'node scripts/dist.mjs');
    assert.match(builderLog, /skipped dependencies rebuild/);
  });

  test('icons: a 1024×1024 PNG, and an .icns and .ico electron-builder uses as they are (no download)', async () => {
    const png = readFileSync(join(ROOT, config.directories.buildResources, 'icon.png'));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1024, 1024]);
    const { convertIcon } = require('app-builder-lib/out/util/iconConverter') as {
      convertIcon(o: object): Promise<{ icons: Array<{ file: string; size: number }>; isFallback: boolean }>;
    };
    const roots = [join(ROOT, config.directories.buildResources)];
    const found = async (format: string) =>
      (await convertIcon({ sources: [], fallbackSources: [], roots, format, outDir: join(work, `icon-${format}`) })).icons;
    assert.deepEqual(
      (await found('icns')).map((i) => relative(ROOT, i.file)),
      ['resources/icon.icns'],
    );
    assert.deepEqual(await found('ico'), [{ file: join(roots[0] as string, 'icon.ico'), size: 256 }]);
    assert.deepEqual(await found('set'), [{ file: join(roots[0] as string, 'icon.png'), size: 1024 }]);
    assert.equal(
      readFileSync(join(ROOT, 'resources', 'icon.icns'))
        .subarray(0, 4)
        .toString('latin1'),
      'icns',
    );
  });
});

describe('the packaged app (electron-builder --linux dir)', { timeout: 300_000 }, () => {
  test('contains main, the preload and the console where electron/paths.ts looks for them', async () => {
    const packagedPkg = JSON.parse(readFileSync(join(extracted, 'package.json'), 'utf8')) as { main: string };
    assert.equal(packagedPkg.main, pkg.main);
    Object.defineProperty(process, 'resourcesPath', { value: resources, configurable: true });
    const { shellPaths } = await import('../../electron/paths.js');
    const inAsar = join(resources, 'app.asar');
    const paths = shellPaths(join(inAsar, dirname(pkg.main)));
    const needed = [pkg.main, relative(inAsar, paths.preload), relative(inAsar, join(paths.rendererDir, 'index.html'))];
    assert.deepEqual(needed, ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'renderer/dist/index.html']);
    for (const file of needed) {
      assert.ok(asarFiles.includes(file), `${file} is not in app.asar (electron-builder.yml files: ${config.files.join(', ')})`);
      assert.deepEqual(readFileSync(join(extracted, file)), readFileSync(join(ROOT, file)), `${file} differs from the build`);
    }
    // Everything index.html references (scripts, styles, icons) is in the asar too.
    const html = readFileSync(join(extracted, 'renderer/dist/index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="\.?\/?([^"#?]+)"/g)].map((m) => `renderer/dist/${m[1]}`);
    assert.ok(
      refs.some((r) => r.endsWith('.js')),
      html,
    );
    for (const ref of refs) assert.ok(asarFiles.includes(ref), `${ref} (from index.html) is not in app.asar`);
    // The agent the app starts as a utility process: an extra resource, the same file as the build.
    assert.equal(paths.agentBundle, join(resources, 'agent', 'directord-agent.cjs'));
    assert.deepEqual(readFileSync(paths.agentBundle), readFileSync(join(ROOT, 'dist', 'directord-agent.cjs')));
    assert.equal(paths.sqliteNativeBinding, undefined, 'a packaged app uses the better-sqlite3 in app.asar.unpacked');
  });

  test('every package the bundles require at runtime is shipped with its dependencies, and is a production dependency', () => {
    const mainFile = join(extracted, pkg.main);
    const fromMain = createRequire(mainFile);
    const imports = runtimeImports('electron-main', pkg.main);
    assert.ok(imports.includes('electron') && imports.includes('better-sqlite3'), imports.join(', '));
    assert.deepEqual(runtimeImports('electron-preload', 'dist/electron/preload.cjs'), ['electron']);
    const shipped = new Set<string>();
    const visit = (name: string, from: NodeJS.Require, via: string) => {
      let resolved: string;
      try {
        resolved = from.resolve(`${name}/package.json`);
      } catch {
        assert.fail(`${name} (needed by ${via}) is not in the packaged app`);
      }
      assert.ok(resolved.startsWith(extracted + sep), `${name} resolved outside the packaged app: ${resolved}`);
      if (shipped.has(resolved)) return;
      shipped.add(resolved);
      const manifest = JSON.parse(readFileSync(resolved, 'utf8')) as { dependencies?: Record<string, string> };
      for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, createRequire(resolved), name);
    };
    for (const name of imports) {
      if (name === 'electron') continue; // the runtime itself
      let found = true;
      try {
        fromMain.resolve(name);
      } catch {
        found = false;
      }
      if (!found) {
        assert.ok(requiredOnlyInTry(join(ROOT, pkg.main), name), `${pkg.main} requires ${name}, which the packaged app does not ship`);
        continue;
      }
      assert.ok(
        name in pkg.dependencies,
        `${name} is loaded at runtime, so it belongs in dependencies${name in (pkg.devDependencies ?? {}) ? ', not devDependencies' : ''}`,
      );
      visit(name, fromMain, pkg.main);
    }
    assert.ok(shipped.size > 1, [...shipped].join(', '));
  });

  test("better-sqlite3's binary is unpacked from the asar and is the Electron-ABI one the afterPack hook put in", () => {
    const binding = join(resources, ...afterPack.UNPACKED_BINDING);
    assert.ok(existsSync(binding), `${relative(out, binding)} is missing (asarUnpack: ${config.asarUnpack.join(', ')})`);
    assert.deepEqual(readFileSync(binding), fakeBinding);
    assert.deepEqual(readFileSync(join(extracted, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), fakeBinding);
    assert.match(builderLog, /better-sqlite3 for Electron .* \(ABI \d+\)/);
  });

  test('ships nothing the app does not load: no sources, maps, CLI bundle, native build leftovers', () => {
    const unexpected = asarFiles.filter(
      (f) =>
        f.endsWith('.map') ||
        (!f.startsWith('node_modules/') && f.endsWith('.ts')) ||
        /^(dist\/(cli|meta|electron-native)|protocol|server|agent|cli|components|electron|scripts|test)\//.test(f) ||
        f === 'dist/directord-agent.cjs' ||
        /^node_modules\/better-sqlite3\/(deps|src)\//.test(f) ||
        (/^node_modules\/better-sqlite3\/build\//.test(f) && !f.endsWith('better_sqlite3.node') && !/\/(build|build\/Release)$/.test(f)),
    );
    assert.deepEqual(unexpected, []);
  });
});

describe('the afterPack hook refuses a wrong binary', { timeout: 30_000 }, () => {
  const context = (appOutDir: string) => ({
    electronPlatformName: 'linux',
    arch: 1, // x64
    appOutDir,
    packager: {
      info: { framework: { version: ELECTRON_VERSION }, projectDir: ROOT },
      getResourcesDir: (dir: string) => join(dir, 'resources'),
    },
  });

  test('a better-sqlite3 built for Node (what a leaked nodedir gives) fails the build', async () => {
    const native = (await import(pathToFileURL(join(ROOT, 'scripts', 'electron-native.mjs')).href)) as Native;
    const nodeBuild = join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    assert.equal(native.moduleAbiOf(nodeBuild), Number(process.versions.modules));
    const dir = join(work, 'hook-node-abi');
    mkdirSync(join(dir, 'native', 'linux-x64'), { recursive: true });
    copyFileSync(nodeBuild, join(dir, 'native', 'linux-x64', 'better_sqlite3.node'));
    const saved = process.env.DIRECTORD_ELECTRON_NATIVE_DIR;
    process.env.DIRECTORD_ELECTRON_NATIVE_DIR = join(dir, 'native');
    try {
      await assert.rejects(
        afterPack.default(context(join(dir, 'app'))),
        new RegExp(
          `NODE_MODULE_VERSION ${process.versions.modules}, Electron ${ELECTRON_VERSION.replace(/\./g, '\\.')} needs ${native.electronAbi(ELECTRON_VERSION)} .*nodedir`,
        ),
      );
      process.env.DIRECTORD_ELECTRON_NATIVE_DIR = join(dir, 'nothing-here');
      await assert.rejects(afterPack.default(context(join(dir, 'app'))), /is missing: package with `npm run dist`/);
    } finally {
      if (saved === undefined) delete process.env.DIRECTORD_ELECTRON_NATIVE_DIR;
      else process.env.DIRECTORD_ELECTRON_NATIVE_DIR = saved;
    }
  });
});
