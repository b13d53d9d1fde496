/**
 * What every bench phase shares: paths, the `--runs`/`--cpu-prof` flags, statistics, logging, the
 * build check, waiting, and the process groups killed however the bench exits.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIRECTORD_FIXTURES } from '../../test/fixtures/directord.js';
import { eventually } from '../../test/support/wait.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = join(DIRECTORD_FIXTURES, 'comparison-orchestration.yaml');
/** `--runs N` for a quick look; the figures to report are the median of the default 3. */
export const RUNS = (() => {
  const at = process.argv.indexOf('--runs');
  const n = at >= 0 ? Number(process.argv[at + 1]) : 3;
  return Number.isInteger(n) && n > 0 ? n : 3;
})();
/** `--cpu-prof DIR`: the server and agents write V8 CPU profiles there when they stop (for finding where the time goes). */
export const CPU_PROF_DIR = (() => {
  const at = process.argv.indexOf('--cpu-prof');
  return at >= 0 ? process.argv[at + 1] : undefined;
})();
export const profArgs = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
export const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
export const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** The console build must carry the read-only stats hook the console phase reads. */
function rendererHasStatsHook(): boolean {
  const assets = join(root, 'renderer', 'dist', 'assets');
  if (!existsSync(join(root, 'renderer', 'dist', 'index.html')) || !existsSync(assets)) return false;
  return readdirSync(assets).some((f) => f.endsWith('.js') && readFileSync(join(assets, f), 'utf8').includes('__directordStats'));
}

export function ensureBuilt(withConsole: boolean): void {
  if (
    !existsSync(join(root, 'dist', 'cli', 'main.js')) ||
    !existsSync(join(root, 'dist', 'directord-agent.cjs')) ||
    (withConsole && !rendererHasStatsHook())
  ) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
}

/** Polls `fn` every 50 ms until it returns a value (test/support/wait.ts's eventually, the one poller). */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20000): Promise<T> {
  return eventually(what, fn, timeoutMs, 50);
}

/** Console-phase servers still running: killed when the bench exits, however it exits. */
export const liveGroups = new Set<ChildProcess>();
process.once('exit', () => liveGroups.forEach((p) => killGroup(p, 'SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));

export function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (p.pid !== undefined) process.kill(-p.pid, signal);
  } catch {
    // already gone
  }
}
