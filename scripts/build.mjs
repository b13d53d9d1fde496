// Builds the runnable bundles with esbuild:
//   dist/cli/   the `directord` command as CommonJS: main.js (commander and the program) and one
//               self-contained bundle per command (commands/*.js) that main.js require()s when the
//               command runs, so `exec` never loads server code and Node never starts its ESM loader;
//   dist/directord-agent.cjs  the agent as one file that runs with plain Node (no native modules);
//   dist/electron/            the desktop shell's main and preload.
// The renderer and the Electron shell have their own steps (added with the console).
import { build } from 'esbuild';
import { rmSync, existsSync, renameSync, mkdirSync, writeFileSync, readFileSync, realpathSync } from 'node:fs';
import { isBuiltin } from 'node:module';

const banner = {
  // CommonJS dependencies (ws, engine.io) call require(); give ESM bundles a real one.
  js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
};
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner,
  // Optional native speed-ups of ws; it works without them.
  external: ['bufferutil', 'utf-8-validate'],
};

/** The command modules cli/main.ts loads lazily, `await import('./commands/X.js')`: X each. */
function cliCommandModules(mainFile) {
  const names = [...readFileSync(mainFile, 'utf8').matchAll(/\bimport\(\s*'\.\/commands\/([\w-]+)\.js'\s*\)/g)].map((m) => m[1]);
  if (names.length === 0) throw new Error(`${mainFile}: found no import('./commands/X.js') to build as command bundles`);
  return [...new Set(names)];
}

/** In the main bundle, main.ts's dynamic imports of ./commands/X.js stay outside: each is its own bundle. */
function commandsAsBundles(commands) {
  // esbuild gives importers as real paths (the integration tests build through symlinks).
  const mainFile = realpathSync('cli/main.ts');
  return {
    name: 'cli-commands-as-bundles',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\// }, (args) => {
        if (args.kind !== 'dynamic-import' || realpathSync(args.importer) !== mainFile) return undefined;
        const name = /^\.\/commands\/([\w-]+)\.js$/.exec(args.path)?.[1];
        if (!name || !commands.includes(name)) return { errors: [{ text: `cli/main.ts: import('${args.path}') is not one of the command bundles scripts/build.mjs makes (${commands.join(', ')})` }] };
        return { path: args.path, external: true };
      });
    },
  };
}

/** `await import('node:https')` in a CommonJS bundle would start Node's ESM loader (~12 ms): require it instead. */
const builtinDynamicImportsAsRequire = {
  name: 'builtin-dynamic-imports-as-require',
  setup(b) {
    b.onResolve({ filter: /^[\w:/]+$/ }, (args) => (args.kind === 'dynamic-import' && isBuiltin(args.path) ? { path: args.path, namespace: 'builtin-require' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

const agentOnly = process.argv.includes('--agent-only');
const steps = [];
if (existsSync('cli/main.ts') && !agentOnly) {
  // Build beside the live bundle and swap, so a running `directord` never sees a half-written dist/cli.
  rmSync('dist/cli-next', { recursive: true, force: true });
  const commands = cliCommandModules('cli/main.ts');
  const cli = {
    ...common,
    format: 'cjs',
    outdir: 'dist/cli-next',
    external: [...common.external, 'better-sqlite3', 'ssh2'],
    // CommonJS has no import.meta; cli/main.ts and cli/paths.ts only need its url.
    // "use strict" first: esbuild's own one comes after the banner, where it is no directive.
    banner: { js: "'use strict';\nconst __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
  };
  steps.push(
    Promise.all([
      // main.ts's `await import('./commands/X.js')` become require('./commands/X.js') of the bundles below.
      build({ ...cli, entryPoints: { main: 'cli/main.ts' }, supported: { 'dynamic-import': false }, plugins: [commandsAsBundles(commands)] }),
      // Dynamic import() stays real here: serve/server load user components with it.
      build({ ...cli, entryPoints: Object.fromEntries(commands.map((c) => [`commands/${c}`, `cli/commands/${c}.ts`])), plugins: [builtinDynamicImportsAsRequire] }),
    ]).then(() => {
      // .js files under dist/cli are CommonJS whatever the package's "type" says.
      writeFileSync('dist/cli-next/package.json', '{\n  "type": "commonjs"\n}\n');
      rmSync('dist/cli', { recursive: true, force: true });
      renameSync('dist/cli-next', 'dist/cli');
    }),
  );
}
if (existsSync('agent/main.ts')) {
  // CommonJS so the one file runs anywhere with plain Node, whatever package.json sits beside it.
  steps.push(build({ ...common, format: 'cjs', banner: {}, entryPoints: ['agent/main.ts'], outfile: 'dist/directord-agent.cjs' }));
}
if (existsSync('electron/main.ts') && existsSync('server/index.ts') && !agentOnly) {
  const electronCommon = { ...common, format: 'cjs', banner: {}, external: [...common.external, 'electron', 'better-sqlite3', 'ssh2'] };
  // esbuild's metafiles (dist/meta/): the packaging test reads what each bundle requires at runtime.
  const withMeta = (name) => (result) => {
    mkdirSync('dist/meta', { recursive: true });
    writeFileSync(`dist/meta/${name}.json`, JSON.stringify(result.metafile));
  };
  steps.push(build({ ...electronCommon, metafile: true, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' }).then(withMeta('electron-main')));
  steps.push(build({ ...electronCommon, metafile: true, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' }).then(withMeta('electron-preload')));
}
await Promise.all(steps);

// The console: served by `npm run serve` and loaded by the desktop app.
if (existsSync('renderer/vite.config.ts') && !agentOnly && !process.argv.includes('--no-renderer')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
}
