// Builds the runnable bundles with esbuild:
//   dist/cli/   the `directord` command as CommonJS: main.js (commander and the program) and one
//               self-contained bundle per lazily imported module (commands/*.js, components.js, …;
//               see cliLazyRequires) required when needed, so `exec` never loads server code and
//               Node never starts its ESM loader;
//   dist/directord-agent.cjs  the agent as one file that runs with plain Node (no native modules);
//   dist/electron/            the desktop shell's main and preload.
// The renderer and the Electron shell have their own steps (added with the console).
import { build } from 'esbuild';
import { rmSync, existsSync, renameSync, mkdirSync, writeFileSync, realpathSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';

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

/**
 * The CLI's lazy loading, kept in CommonJS: a dynamic import() by a module under cli/ of another
 * module under cli/ (main.ts's `import('./commands/exec.js')`, exec's `import('../components.js')`
 * for ADD/COPY, …) makes that module a bundle of its own, dist/cli/<its path under cli/>.js, which
 * this bundle require()s when the import runs. Imports of server/, agent/ or components/ modules
 * stay inside the bundle. `found` collects the bundles still to build.
 */
function cliLazyRequires(cliDir, outdir, outfile, found) {
  const under = (dir, file) => file === dir || file.startsWith(dir + sep);
  return {
    name: 'cli-lazy-requires',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.namespace !== 'file' || !under(cliDir, realpathSync(args.importer))) return undefined;
        const resolved = await b.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        // esbuild gives real paths; the integration tests build through symlinks.
        const target = realpathSync(resolved.path);
        if (!under(cliDir, target)) return undefined;
        const name = relative(cliDir, target).replace(/\.ts$/, '');
        found.add(name);
        const spec = relative(dirname(outfile), join(outdir, `${name}.js`))
          .split(sep)
          .join('/');
        return { path: spec.startsWith('.') ? spec : `./${spec}`, namespace: 'cli-lazy' };
      });
      b.onLoad({ filter: /.*/, namespace: 'cli-lazy' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      b.onResolve({ filter: /.*/, namespace: 'cli-lazy' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/** `await import('node:https')` in a CommonJS bundle would start Node's ESM loader (~12 ms): require it instead. */
const builtinDynamicImportsAsRequire = {
  name: 'builtin-dynamic-imports-as-require',
  setup(b) {
    b.onResolve({ filter: /^[\w:/]+$/ }, (args) =>
      args.kind === 'dynamic-import' && isBuiltin(args.path) ? { path: args.path, namespace: 'builtin-require' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * commander requires node:child_process at load only to spawn executable subcommands, which
 * `directord` does not have; loading it (and dgram, net… behind it) costs every command a few ms.
 * In the main bundle commander gets a stand-in that says so if it is ever called.
 */
const commanderWithoutChildProcess = {
  name: 'commander-without-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'commander-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'commander-stub' }, () => ({
      contents:
        "const unavailable = () => { throw new Error('directord: commander tried to run an executable subcommand; dist/cli/main.js has no node:child_process (scripts/build.mjs)'); };\nmodule.exports = { spawn: unavailable, fork: unavailable, exec: unavailable, execFile: unavailable };\n",
      loader: 'js',
    }));
  },
};

const agentOnly = process.argv.includes('--agent-only');
const steps = [];
if (existsSync('cli/main.ts') && !agentOnly) {
  // Build beside the live bundle and swap, so a running `directord` never sees a half-written dist/cli.
  rmSync('dist/cli-next', { recursive: true, force: true });
  const cliDir = realpathSync('cli');
  const cli = {
    ...common,
    format: 'cjs',
    external: [...common.external, 'better-sqlite3', 'ssh2'],
    // "use strict" first: esbuild's own one comes after the banner, where it is no directive.
    // CommonJS has no import.meta; cli/main.ts and cli/paths.ts only need its url.
    banner: { js: "'use strict';\nconst __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
  };
  /** Builds cli/NAME.ts into dist/cli-next/NAME.js, and every lazy bundle it finds, until none is new. */
  const buildCli = async () => {
    const built = new Set();
    let next = ['main'];
    while (next.length > 0) {
      const found = new Set();
      await Promise.all(
        next.map((name) => {
          built.add(name);
          const outfile = join('dist/cli-next', `${name}.js`);
          const plugins = [cliLazyRequires(cliDir, 'dist/cli-next', outfile, found), builtinDynamicImportsAsRequire];
          // main.js gets no import() at all; the command bundles keep a real one for user components (serve, server).
          const mainOnly =
            name === 'main' ? { supported: { 'dynamic-import': false }, plugins: [...plugins, commanderWithoutChildProcess] } : { plugins };
          return build({ ...cli, entryPoints: [join('cli', `${name}.ts`)], outfile, ...mainOnly });
        }),
      );
      next = [...found].filter((name) => !built.has(name));
    }
    // .js files under dist/cli are CommonJS whatever the package's "type" says.
    writeFileSync('dist/cli-next/package.json', '{\n  "type": "commonjs"\n}\n');
  };
  steps.push(
    buildCli().then(() => {
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
  steps.push(
    build({ ...electronCommon, metafile: true, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' }).then(
      withMeta('electron-main'),
    ),
  );
  steps.push(
    build({ ...electronCommon, metafile: true, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' }).then(
      withMeta('electron-preload'),
    ),
  );
}
await Promise.all(steps);

// The console: served by `npm run serve` and loaded by the desktop app.
if (existsSync('renderer/vite.config.ts') && !agentOnly && !process.argv.includes('--no-renderer')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
}
