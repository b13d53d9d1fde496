// Builds the runnable bundles with esbuild:
//   dist/cli/   the `directord` command, code-split so `exec` never loads server code;
//   dist/directord-agent.js   the agent as one file that runs with plain Node (no native modules).
// The renderer and the Electron shell have their own steps (added with the console).
import { build } from 'esbuild';
import { rmSync, existsSync } from 'node:fs';

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

const steps = [];
if (existsSync('cli/main.ts')) {
  rmSync('dist/cli', { recursive: true, force: true });
  steps.push(build({ ...common, entryPoints: { main: 'cli/main.ts' }, outdir: 'dist/cli', splitting: true, chunkNames: 'chunks/[name]-[hash]', external: [...common.external, 'better-sqlite3'] }));
}
if (existsSync('agent/main.ts')) {
  steps.push(build({ ...common, entryPoints: ['agent/main.ts'], outfile: 'dist/directord-agent.js' }));
}
await Promise.all(steps);
