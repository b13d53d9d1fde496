/**
 * `npm run bench`: measures the engine with real processes on loopback. Never part of `npm test`.
 * Starts a real server and 6 real agent processes in a temporary data dir, then measures
 * (each the median of 3 runs):
 *   orchestration_1000x6_s  comparison-orchestration.yaml on all 6 agents, submit → every result stored
 *                           (agents as started by default: on a dash host a job runs in a fork of the
 *                           agent's long-lived shell, agent/exec/shell.ts jobCommand)
 *   shell_bound_s           the same 6000 commands run by 6 plain /bin/sh loops (the floor), the
 *                           mean of one measurement right before and one right after the orchestration
 *   agent_cpu_ms_per_job    the agents' own CPU (user + system, not their shells') during the
 *                           orchestration, per job; server_cpu_ms_per_target the same for the server
 *                           per (job, host). Steadier than wall time on this VM, so changes to the
 *                           job path can be compared with them.
 *   orchestration_shell_per_job_1000x6_s  the same on a fresh cluster whose agents run every job with
 *                           a new `/bin/sh -c` (`--shell-per-job`), as the floor's loops do: like for
 *                           like with the floor; shell_bound_shell_per_job_s is its own floor (before
 *                           and after, averaged)
 *   orchestration_vs_shell, shell_per_job_vs_shell  the two ratios to their floors
 *   exec_p50_ms/p99_ms      100 sequential single-job roundtrips, submit → result stored
 *   cli_exec_wall_ms        wall time of one `directord exec … --poll` CLI process
 *   node_start_ms           wall time of a bare `node -e 0`, timed the same way at the same moment
 *                           (the floor under cli_exec_wall_ms; it varies a lot on this VM)
 * Then the console phase (issue #3): `directord serve --no-agent` with 50 simulated agents
 * (scripts/bench/sim-agents.ts, the real /agent protocol) and the console in Debian's Chromium
 * (playwright-core), a fresh browser context per run, again the median of 3:
 *   ui_first_paint_ms       navigation start → first-contentful-paint of `/?token=…#/hosts`
 *   ui_hosts_ready_ms       navigation start → the Hosts table lists all 50 hosts
 *   ui_log_100k_lines_ms    `runs:submit` (from this process, all 50 hosts, 2,000 lines each) →
 *                           the console, which opened the run from History, has applied all
 *                           100,000 lines and drawn a frame (window.__directordStats)
 *   ui_longest_task_ms      the longest main-thread task (`longtask` observer) from load to the 100k
 *                           lines applied
 *   ui_open_run_1000x6_ms   a settled 1000-job run on 6 of those hosts (one output line each), clicked
 *                           in History → the console has applied all 6000 stored outputs
 * Then the scale phase (issue #5, scripts/bench/scale.ts): `directord server` with 500 simulated
 * agents in this process, again the median of 3:
 *   agents_500_connect_s         start → all 500 online in agents:list
 *   agents_500_orchestration_s   `runs:submit` of a 10-job orchestration on all 500 → all 5000
 *                                (job, target) results stored (jobs:await; counts checked in SQLite)
 *   server_rss_mb_500_agents     the server's VmRSS after the orchestration
 *   agents_500_reconnect_s       the server SIGKILLed and restarted on the same port: restart → all
 *                                500 online again (jittered backoff, checked)
 * `--cpu-prof DIR` has the engine phase's server and agents write V8 CPU profiles into DIR.
 * `--no-ui` skips the console phase, `--ui-only` runs only it; `--no-scale` skips the scale phase,
 * `--scale-only` runs only it.
 * The last line printed is one JSON object with the figures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadOrchestration } from '../components/orchestration.js';
import { connectUi, type UiClient } from '../cli/connection.js';
import { discoverServer, readServerFile } from '../cli/discovery.js';
import { startSimAgents, type SimAgents } from './bench/sim-agents.js';
import { runScale } from './bench/scale.js';
import type { ServerToUiEvents, UiToServerEvents } from '../protocol/ui-events.js';
import type { RunSubmission, RunSubmitted } from '../protocol/jobs.js';
import type { AgentInfo } from '../protocol/agents.js';
import type { JobRecord } from '../protocol/records.js';
import type { Result } from '../protocol/result.js';

type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(root, '..', 'shared', 'fixtures', 'directord', 'comparison-orchestration.yaml');
const AGENTS = 6;
/** Jobs in comparison-orchestration.yaml (checked when it is loaded). */
const JOBS_PER_AGENT = 1000;
/** `--runs N` for a quick look; the figures to report are the median of the default 3. */
const RUNS = (() => {
  const at = process.argv.indexOf('--runs');
  const n = at >= 0 ? Number(process.argv[at + 1]) : 3;
  return Number.isInteger(n) && n > 0 ? n : 3;
})();
/** `--cpu-prof DIR`: the server and agents write V8 CPU profiles there when they stop (for finding where the time goes). */
const CPU_PROF_DIR = (() => {
  const at = process.argv.indexOf('--cpu-prof');
  return at >= 0 ? process.argv[at + 1] : undefined;
})();
const profArgs = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
const UI_HOSTS = 50;
const UI_LINES_PER_HOST = 2000;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

/** The console build must carry the read-only stats hook the console phase reads. */
function rendererHasStatsHook(): boolean {
  const assets = join(root, 'renderer', 'dist', 'assets');
  if (!existsSync(join(root, 'renderer', 'dist', 'index.html')) || !existsSync(assets)) return false;
  return readdirSync(assets).some((f) => f.endsWith('.js') && readFileSync(join(assets, f), 'utf8').includes('__directordStats'));
}

function ensureBuilt(withConsole: boolean): void {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js')) || !existsSync(join(root, 'dist', 'directord-agent.cjs')) || (withConsole && !rendererHasStatsHook())) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The engine phase drives the server the way `directord orchestrate`/`exec` do: the CLI's own
 * HTTP client (cli/connection.ts), so no `/ui` socket receives (and costs) live broadcasts
 * that no one watches; the console phase measures a watching console.
 */
type Cluster = { dataDir: string; server: ChildProcess; agents: ChildProcess[]; cli: UiClient; identities: string[] };

/** `agentArgs`: extra agent flags (`--shell-per-job` for the like-for-like figure). */
async function startCluster(agentArgs: readonly string[] = []): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-'));
  const server = spawn(process.execPath, [...profArgs, join(root, 'bin', 'directord.js'), '--data-dir', dataDir, 'server', '--port', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor('server.json', () => readServerFile(dataDir) ?? undefined);
  const identities = Array.from({ length: AGENTS }, (_, i) => `bench-${i + 1}`);
  const agents = identities.map((identity) =>
    spawn(process.execPath, [...profArgs, join(root, 'dist', 'directord-agent.cjs'), '--data-dir', dataDir, '--identity', identity, ...agentArgs], { stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  const cli = await connectUi(discoverServer(dataDir));
  await waitFor('agents online', async () => {
    const r: Result<AgentInfo[]> = await cli.request('agents:list', 5000);
    return r.ok && r.value.filter((a) => a.online && identities.includes(a.identity)).length === AGENTS ? true : undefined;
  });
  return { dataDir, server, agents, cli, identities };
}

async function stopCluster(c: Cluster): Promise<void> {
  c.cli.close();
  const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
  for (const a of c.agents) a.kill('SIGTERM');
  await Promise.race([Promise.all(c.agents.map(exited)), new Promise((r) => setTimeout(r, 5000))]);
  c.server.kill('SIGTERM');
  await Promise.race([exited(c.server), new Promise((r) => setTimeout(r, 5000))]);
  for (const p of [...c.agents, c.server]) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(c.dataDir, { recursive: true, force: true });
}

async function submitAndAwait(cli: UiClient, submission: RunSubmission): Promise<void> {
  const r: Result<RunSubmitted> = await cli.request('runs:submit', 60000, submission);
  if (!r.ok) throw new Error(`submit failed: ${r.error.message}`);
  const done: Result<JobRecord[]> = await cli.request('jobs:await', 600000, { jobIds: r.value.jobs.map((j) => j.jobId), timeoutMs: 590000 });
  if (!done.ok) throw new Error(`await failed: ${done.error.message}`);
  const bad = done.value.flatMap((j) => j.targets).filter((t) => t.state !== 'succeeded');
  if (bad.length) throw new Error(`${bad.length} targets did not succeed (first: ${bad[0]?.target} ${bad[0]?.state} ${bad[0]?.info})`);
}

async function orchestrationRun(c: Cluster): Promise<number> {
  const loaded = loadOrchestration(readFileSync(fixture, 'utf8'), fixture);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const jobs = loaded.value.entries.reduce((n, e) => n + e.jobs.length, 0);
  if (jobs !== JOBS_PER_AGENT) throw new Error(`${fixture}: expected ${JOBS_PER_AGENT} jobs, found ${jobs}`);
  const t0 = performance.now();
  await submitAndAwait(c.cli, { kind: 'orchestrate', source: 'comparison-orchestration.yaml', entries: loaded.value.entries, targets: c.identities, requestedBy: 'bench' });
  return (performance.now() - t0) / 1000;
}

/** CPU milliseconds (user + system) `pid` has used so far, from /proc (its own, not its children's). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function shellBound(): Promise<number> {
  const loop = 'i=0; while [ $i -lt 1000 ]; do /bin/sh -c "echo hello world"; i=$((i+1)); done';
  const t0 = performance.now();
  return Promise.all(
    Array.from({ length: AGENTS }, () => new Promise<void>((resolve, reject) => {
      const p = spawn('/bin/sh', ['-c', loop], { stdio: ['ignore', 'pipe', 'inherit'] });
      p.stdout.resume();
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`shell loop exited ${code}`))));
    })),
  ).then(() => (performance.now() - t0) / 1000);
}

/**
 * `measure`, with the floor measured right before and right after it and averaged: this VM's
 * speed drifts by tens of percent between minutes, and a floor taken only before the run
 * compared the orchestration with a different machine.
 */
async function betweenFloors<T>(measure: () => Promise<T>): Promise<{ value: T; floor: number; before: number; after: number }> {
  const before = await shellBound();
  const value = await measure();
  const after = await shellBound();
  return { value, floor: (before + after) / 2, before, after };
}

async function execLatencies(c: Cluster, n = 100): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await submitAndAwait(c.cli, { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: '--skip-cache echo hi' }] }], targets: [c.identities[0]!], requestedBy: 'bench' });
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Wall time of the CLI process, timed by a small shell around it as a user's shell would run it:
 * timing the spawn from here would add the fork of this large bench process (tsx, playwright,
 * socket.io loaded), which is not the CLI's cost.
 */
function cliExecWall(c: Cluster): number {
  return timedWall(c, [process.execPath, join(root, 'bin', 'directord.js'), '--data-dir', c.dataDir, 'exec', '--verb', 'RUN', '--target', c.identities[0]!, '--poll', '--skip-cache echo hi']);
}

/** Milliseconds `argv` runs, timed inside a small shell; throws with its output when it fails. */
function timedWall(c: Cluster, argv: readonly string[]): number {
  const out = join(c.dataDir, 'timed.out');
  const timed = 's=$(date +%s%N); "$@" >"$OUT" 2>&1; rc=$?; e=$(date +%s%N); echo "$rc $(( (e - s) / 1000 ))"';
  const r = spawnSync('/bin/sh', ['-c', timed, 'sh', ...argv], { encoding: 'utf8', env: { ...process.env, OUT: out } });
  const [rc, micros] = r.stdout.trim().split(' ').map(Number);
  if (r.status !== 0 || rc !== 0 || !Number.isFinite(micros)) throw new Error(`${argv.slice(1, 3).join(' ')} failed (${rc}): ${readFileSync(out, 'utf8')}${r.stderr}`);
  return (micros as number) / 1000;
}

type UiCluster = { dataDir: string; server: ChildProcess; url: string; token: string; ui: UiSocket; sims: SimAgents };

/** `directord serve --no-agent` (it serves renderer/dist) and UI_HOSTS simulated agents. */
async function startUiCluster(): Promise<UiCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-ui-'));
  // Its own process group: bin/directord.js may run the CLI as a child (unbuilt checkout), and
  // stopping must reach that child too.
  const server = spawn(process.execPath, [join(root, 'bin', 'directord.js'), '--data-dir', dataDir, 'serve', '--port', '0', '--no-agent'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  liveGroups.add(server);
  // 50 agents coming and going make 100 INFO lines a run: pass on only warnings and errors.
  let pending = '';
  server.stderr?.setEncoding('utf8').on('data', (text: string) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (!/^\S+ INFO /.test(line)) process.stderr.write(`${line}\n`);
  });
  try {
    const info = await waitFor('server.json', () => {
      try { return JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string }; } catch { return undefined; }
    });
    const token = readFileSync(join(dataDir, 'ui.token'), 'utf8').trim();
    const key = readFileSync(join(dataDir, 'agent.key'), 'utf8').trim();
    const sims = await startSimAgents({ serverUrl: info.url, key, count: UI_HOSTS, prefix: 'host-' });
    const ui: UiSocket = io(`${info.url}/ui`, { transports: ['websocket'], auth: { token, client: 'bench' } });
    await waitFor('simulated agents online', async () => {
      const r: Result<AgentInfo[]> = await ui.timeout(5000).emitWithAck('agents:list');
      return r.ok && r.value.filter((a) => a.online).length === UI_HOSTS ? true : undefined;
    });
    return { dataDir, server, url: info.url, token, ui, sims };
  } catch (error) {
    killGroup(server, 'SIGKILL');
    liveGroups.delete(server);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Console-phase servers still running: killed when the bench exits, however it exits. */
const liveGroups = new Set<ChildProcess>();
process.once('exit', () => liveGroups.forEach((p) => killGroup(p, 'SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (p.pid !== undefined) process.kill(-p.pid, signal);
  } catch {
    // already gone
  }
}

async function stopUiCluster(c: UiCluster): Promise<void> {
  c.ui.close();
  await c.sims.close();
  const exited = new Promise<void>((r) => (c.server.exitCode !== null || c.server.signalCode !== null ? r() : c.server.once('exit', () => r())));
  killGroup(c.server, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  killGroup(c.server, 'SIGKILL');
  liveGroups.delete(c.server);
  rmSync(c.dataDir, { recursive: true, force: true });
}

/**
 * Installed before the console's own scripts: collects long tasks and notes when the Hosts
 * table first lists every host (then stops observing).
 */
const uiInitScript = (hosts: number) => `(() => {
  const bench = (window.__bench = { longTasks: [], hostsReadyAt: null });
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) bench.longTasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });
  } catch {}
  const check = () => {
    if (document.querySelectorAll('table[aria-label="Hosts"] tbody input[type=checkbox]').length < ${hosts}) return false;
    bench.hostsReadyAt = performance.now();
    return true;
  };
  const mo = new MutationObserver(() => { if (check()) mo.disconnect(); });
  mo.observe(document, { childList: true, subtree: true });
})();`;

/**
 * Polls an expression in the page until it is not undefined. page.evaluate with a string goes
 * through CDP and is not subject to the console's CSP (waitForFunction's in-page eval is). The
 * figures are timed inside the page, so the polling interval does not enter them.
 */
async function pollPage<T>(page: Page, expression: string, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = (await page.evaluate(expression)) as T | undefined | null;
    if (value !== undefined && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Checks every frame (so the frame after the update is drawn) whether the console's open run
 * satisfies `condition`, a JS expression over `s` (window.__directordStats); then sets
 * `window[flag]` to `{ at, lines }` (epoch ms, output lines applied) and stops.
 */
async function stampWhenApplied(page: Page, flag: string, condition: string): Promise<void> {
  await page.evaluate(`(() => {
    window.${flag} = undefined;
    const tick = () => {
      const s = window.__directordStats;
      if (s && (${condition})) {
        window.${flag} = { at: performance.timeOrigin + performance.now(), lines: s.outputLines };
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
}

type UiFigures = { firstPaint: number; hostsReady: number; log100k: number; longestTask: number; linesApplied: number; openRun: number };

/** Jobs and hosts of the past run the console opens from History (ui_open_run_1000x6_ms). */
const OPEN_RUN_JOBS = 1000;
const OPEN_RUN_HOSTS = 6;

/**
 * Milliseconds from clicking a settled 1000-job run on 6 hosts in History until the console has
 * applied its stored output (one line per job and host).
 */
async function openPastRun(page: Page, c: UiCluster): Promise<number> {
  const hosts = c.sims.identities.slice(0, OPEN_RUN_HOSTS);
  const submitted: Result<RunSubmitted> = await c.ui.timeout(60000).emitWithAck('runs:submit', {
    kind: 'orchestrate',
    source: 'bench-open-1000x6',
    entries: [{ jobs: Array.from({ length: OPEN_RUN_JOBS }, () => ({ verb: 'RUN', text: '--skip-cache lines 1' })) }],
    targets: hosts,
    requestedBy: 'bench',
  });
  if (!submitted.ok) throw new Error(`submit failed: ${submitted.error.message}`);
  const settled: Result<JobRecord[]> = await c.ui.timeout(120_000).emitWithAck('jobs:await', { jobIds: submitted.value.jobs.map((j) => j.jobId), timeoutMs: 110_000 });
  if (!settled.ok) throw new Error(`await failed: ${settled.error.message}`);
  const runId = submitted.value.runId;
  const pairs = OPEN_RUN_JOBS * hosts.length;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History', exact: true }).click();
  await page.getByRole('button', { name: 'Refresh', exact: true }).click();
  const row = page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: runId });
  await row.waitFor();
  await stampWhenApplied(page, '__benchOpened', `s.runId === ${JSON.stringify(runId)} && s.outputLines >= ${pairs}`);
  const t0 = Date.now();
  await row.click();
  const opened = await pollPage<{ at: number }>(page, 'window.__benchOpened', `${pairs} stored outputs in the console`, 120_000);
  return opened.at - t0;
}

async function uiRun(browser: Browser, c: UiCluster): Promise<UiFigures> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    context.setDefaultTimeout(60_000);
    await context.addInitScript(uiInitScript(UI_HOSTS));
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${c.url}/?token=${encodeURIComponent(c.token)}#/hosts`);
    const firstPaint = await pollPage<number>(page, `performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime`, 'first contentful paint');
    const hostsReady = await pollPage<number>(page, 'window.__bench.hostsReadyAt ?? undefined', `${UI_HOSTS} hosts in the Hosts table`);

    // Deploy from this process while the console shows History, then open the run there.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History', exact: true }).click();
    await page.getByRole('table', { name: 'Runs' }).waitFor();
    const total = UI_HOSTS * UI_LINES_PER_HOST;
    const last = `line ${UI_LINES_PER_HOST} of ${UI_LINES_PER_HOST}`;
    await page.evaluate('window.__benchTarget = { runId: null }');
    await stampWhenApplied(
      page,
      '__benchDone',
      `window.__benchTarget.runId && s.runId === window.__benchTarget.runId && s.hosts === ${UI_HOSTS} && s.outputLines >= ${total} && s.lastLines.every((l) => l.endsWith(${JSON.stringify(last)}))`,
    );
    const t0 = Date.now();
    const submitted: Result<RunSubmitted> = await c.ui.timeout(60000).emitWithAck('runs:submit', { kind: 'exec', source: 'bench-100k-lines', entries: [{ jobs: [{ verb: 'RUN', text: `--skip-cache lines ${UI_LINES_PER_HOST}` }] }], targets: [...c.sims.identities], requestedBy: 'bench' });
    if (!submitted.ok) throw new Error(`submit failed: ${submitted.error.message}`);
    const runId = submitted.value.runId;
    await page.evaluate(`window.__benchTarget.runId = ${JSON.stringify(runId)}`);
    await page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: runId }).click();
    const done = await pollPage<{ at: number; lines: number }>(page, 'window.__benchDone', `${total} lines in the console`, 300_000);
    const log100k = done.at - t0;
    // The lines are drawn, not only stored: the first pane follows its tail.
    await page.getByRole('region', { name: `Output: ${c.sims.identities[0]}` }).getByRole('log').getByText(last).waitFor({ timeout: 10_000 });
    const settled: Result<JobRecord[]> = await c.ui.timeout(120_000).emitWithAck('jobs:await', { jobIds: submitted.value.jobs.map((j) => j.jobId), timeoutMs: 110_000 });
    if (!settled.ok) throw new Error(`await failed: ${settled.error.message}`);
    const bad = settled.value.flatMap((j) => j.targets).filter((t) => t.state !== 'succeeded');
    if (bad.length) throw new Error(`${bad.length} simulated targets did not succeed (first: ${bad[0]?.target} ${bad[0]?.state} ${bad[0]?.info})`);
    const tasks = (await page.evaluate('window.__bench.longTasks')) as { start: number; duration: number }[];
    const longest = (from: number, to = Infinity) => Math.max(0, ...tasks.filter((t) => t.start >= from && t.start < to).map((t) => t.duration));
    log(`console: first paint ${round(firstPaint, 1)} ms, hosts ${round(hostsReady, 1)} ms, 100k lines ${round(log100k, 1)} ms (${done.lines} applied); longest task during load ${round(longest(0, hostsReady), 1)} ms, during output ${round(longest(hostsReady), 1)} ms, ${tasks.length} long tasks`);
    if (done.lines !== total) log(`warning: the console applied ${done.lines} lines for ${total} sent`);
    const openRun = await openPastRun(page, c);
    log(`console: a past ${OPEN_RUN_JOBS}-job run on ${OPEN_RUN_HOSTS} hosts opened from History in ${round(openRun, 1)} ms`);
    if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
    return { firstPaint, hostsReady, log100k, longestTask: longest(0), linesApplied: done.lines, openRun };
  } finally {
    await context.close();
  }
}

async function uiPhase(): Promise<Record<string, number[]>> {
  const figures: Record<string, number[]> = { ui_first_paint_ms: [], ui_hosts_ready_ms: [], ui_log_100k_lines_ms: [], ui_longest_task_ms: [], ui_open_run_1000x6_ms: [] };
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    for (let run = 1; run <= RUNS; run++) {
      log(`console run ${run}/${RUNS}: starting the server and ${UI_HOSTS} simulated agents`);
      const c = await startUiCluster();
      try {
        const f = await uiRun(browser, c);
        figures.ui_first_paint_ms!.push(f.firstPaint);
        figures.ui_hosts_ready_ms!.push(f.hostsReady);
        figures.ui_log_100k_lines_ms!.push(f.log100k);
        figures.ui_longest_task_ms!.push(f.longestTask);
        figures.ui_open_run_1000x6_ms!.push(f.openRun);
      } finally {
        await stopUiCluster(c);
      }
    }
  } finally {
    await browser.close();
  }
  return figures;
}

/** The scale phase (scripts/bench/scale.ts), RUNS times; throws when a result is missing or the backoff is not jittered. */
async function scalePhase(): Promise<Record<string, number[]>> {
  const figures: Record<string, number[]> = { agents_500_connect_s: [], agents_500_orchestration_s: [], server_rss_mb_500_agents: [], agents_500_reconnect_s: [] };
  for (let run = 1; run <= RUNS; run++) {
    log(`scale run ${run}/${RUNS}`);
    const r = await runScale({ bin: join(root, 'bin', 'directord.js'), count: 500, jobs: 10, log });
    const expected = r.count * r.jobs;
    if (r.runStatus !== 'succeeded' || r.db.succeeded !== expected || r.db.distinctPairs !== expected || r.runCounts.succeeded !== expected) throw new Error(`scale: results missing: ${JSON.stringify(r)}`);
    if (!r.jitter || r.jitter.agents !== r.count || !(r.jitter.firstAttemptStdevMs > 50)) throw new Error(`scale: reconnection not jittered: ${JSON.stringify(r.jitter)}`);
    figures.agents_500_connect_s!.push(r.connectS);
    figures.agents_500_orchestration_s!.push(r.orchestrationS);
    figures.server_rss_mb_500_agents!.push(r.serverRssMb);
    figures.agents_500_reconnect_s!.push(r.reconnectS ?? NaN);
  }
  return figures;
}

async function main(): Promise<void> {
  // The 10-minute soak is its own mode (scripts/bench/soak.ts).
  if (process.argv.includes('--soak')) return (await import('./bench/soak.js')).runSoak(process.argv.slice(2)).then(() => process.exit(0));
  const scaleOnly = process.argv.includes('--scale-only');
  const engine = !process.argv.includes('--ui-only') && !scaleOnly;
  const withConsole = !process.argv.includes('--no-ui') && !scaleOnly;
  const withScale = !process.argv.includes('--no-scale') && !process.argv.includes('--ui-only');
  ensureBuilt(withConsole);
  const figures: Record<string, number[]> = engine
    ? { orchestration_1000x6_s: [], shell_bound_s: [], agent_cpu_ms_per_job: [], server_cpu_ms_per_target: [], exec_p50_ms: [], exec_p99_ms: [], cli_exec_wall_ms: [], node_start_ms: [], orchestration_shell_per_job_1000x6_s: [], shell_bound_shell_per_job_s: [] }
    : {};
  for (let run = 1; engine && run <= RUNS; run++) {
    log(`run ${run}/${RUNS}: starting server and ${AGENTS} agents`);
    const c = await startCluster();
    try {
      const run1 = await betweenFloors(async () => {
        // Where the time over the floor goes, steadier than wall time on this VM: each process's
        // own CPU for the run (the shells and jobs are not counted in the agents').
        const cpuBefore = { server: cpuMs(c.server.pid), agents: c.agents.map((a) => cpuMs(a.pid)) };
        const seconds = await orchestrationRun(c);
        const agentCpu = c.agents.reduce((sum, a, i) => sum + cpuMs(a.pid) - cpuBefore.agents[i]!, 0);
        return { seconds, agentCpu, serverCpu: cpuMs(c.server.pid) - cpuBefore.server };
      });
      figures.orchestration_1000x6_s!.push(run1.value.seconds);
      figures.shell_bound_s!.push(run1.floor);
      figures.agent_cpu_ms_per_job!.push(run1.value.agentCpu / (AGENTS * JOBS_PER_AGENT));
      figures.server_cpu_ms_per_target!.push(run1.value.serverCpu / (AGENTS * JOBS_PER_AGENT));
      log(`run ${run}: shell_bound_s before ${round(run1.before)}, after ${round(run1.after)}`);
      const lat = await execLatencies(c);
      figures.exec_p50_ms!.push(percentile(lat, 50));
      figures.exec_p99_ms!.push(percentile(lat, 99));
      const walls: number[] = [];
      const bare: number[] = [];
      // Interleaved, so both see the same machine.
      for (let i = 0; i < 5; i++) {
        walls.push(cliExecWall(c));
        bare.push(timedWall(c, [process.execPath, '-e', '0']));
      }
      figures.cli_exec_wall_ms!.push(median(walls));
      figures.node_start_ms!.push(median(bare));
    } finally {
      await stopCluster(c);
    }
    // Like for like with the floor: every job in a new `/bin/sh -c`, as the floor's loops run them
    // (by default agents on a dash host run a job in a fork of their long-lived shell instead).
    const perJob = await startCluster(['--shell-per-job']);
    try {
      const run2 = await betweenFloors(() => orchestrationRun(perJob));
      figures.orchestration_shell_per_job_1000x6_s!.push(run2.value);
      figures.shell_bound_shell_per_job_s!.push(run2.floor);
    } finally {
      await stopCluster(perJob);
    }
    log(`run ${run}: ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v.at(-1)!)])))}`);
  }
  if (withConsole) Object.assign(figures, await uiPhase());
  if (withScale) Object.assign(figures, await scalePhase());
  // Rollout waves (issue #17): scripts/bench/rollout.ts.
  if (engine) Object.assign(figures, await (await import('./bench/rollout.js')).rolloutPhase(RUNS, log));
  const result: Record<string, number> = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(median(v))]));
  if (engine) {
    result.orchestration_vs_shell = round(result.orchestration_1000x6_s! / result.shell_bound_s!);
    result.shell_per_job_vs_shell = round(result.orchestration_shell_per_job_1000x6_s! / result.shell_bound_shell_per_job_s!);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
