// `npm test`: typecheck, lint, then every test file with node's runner (CI reads its closing lines).
// Usage: npm test [-- --only-tests] [-- file…]
//        npm run test:unit: the fast tier only (no build, typecheck or lint): the tests of protocol/,
//        components/ and server/ that start no process (a file that imports node:child_process is not a
//        unit test) and no browser; in-process servers and SQLite files in temp dirs are fine.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Cycles and forbidden edges across every import (.dependency-cruiser.cjs); also `npm run check:deps`. */
const DEPCRUISE = [
  'node_modules/dependency-cruiser/bin/dependency-cruise.mjs',
  '--config',
  '.dependency-cruiser.cjs',
  '--output-type',
  'err',
  'protocol',
  'components',
  'server',
  'agent',
  'cli',
  'renderer/src',
  'electron',
  'test',
  'scripts',
  'bin',
];

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const onlyTests = unit || args.includes('--only-tests');
const explicit = args.filter((a) => !a.startsWith('--'));

function run(cmd, argv, env = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

if (!onlyTests && explicit.length === 0) {
  if (run(process.execPath, ['scripts/build.mjs']) !== 0) process.exit(1);
  if (run(process.execPath, ['scripts/typecheck.mjs']) !== 0) process.exit(1);
  if (run(process.execPath, ['node_modules/eslint/bin/eslint.js', '.']) !== 0) process.exit(1);
  if (run(process.execPath, DEPCRUISE) !== 0) process.exit(1);
}
const startsProcesses = (file) => /node:child_process|playwright/.test(readFileSync(file, 'utf8'));
const all = (dirs) =>
  dirs
    .flatMap((d) => {
      try {
        return findTests(d);
      } catch {
        return [];
      }
    })
    .sort();
const files = explicit.length
  ? explicit
  : unit
    ? all(['protocol', 'components', 'server']).filter((f) => !startsProcesses(f))
    : all(['protocol', 'components', 'server', 'agent', 'cli', 'renderer', 'test']);
const status = run(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=120000', '--test-concurrency=2', ...files]);
process.exit(status);
