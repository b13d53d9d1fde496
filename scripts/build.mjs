// Builds the runnable bundles with esbuild:
//   dist/cli/   the `directord` command, code-split so `exec` never loads server code;
//   dist/directord-agent.cjs  the agent as one file that runs with plain Node (no native modules);
//   dist/electron/            the desktop shell's main and preload.
// The renderer and the Electron shell have their own steps (added with the console).
import { build } from 'esbuild';
import { rmSync, existsSync, renameSync, mkdirSync, writeFileSync } from 'node:fs';

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

const agentOnly = process.argv.includes('--agent-only');
const steps = [];
if (existsSync('cli/main.ts') && !agentOnly) {
  // Build beside the live bundle and swap, so a running `directord` never sees a half-written dist/cli.
  rmSync('dist/cli-next', { recursive: true, force: true });
  steps.push(
    build({ ...common, entryPoints: { main: 'cli/main.ts' }, outdir: 'dist/cli-next', splitting: true, chunkNames: 'chunks/[name]-[hash]', external: [...common.external, 'better-sqlite3', 'ssh2'] }).then(() => {
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
