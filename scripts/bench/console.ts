/**
 * The console phase: `directord serve --no-agent` with 50 simulated agents (./sim-agents.ts, the real
 * /agent protocol) and the console in Debian's Chromium (playwright-core), a fresh browser context per
 * run (figures in scripts/bench.ts's header).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSimAgents, type SimAgents } from './sim-agents.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import type { RunSubmitted } from '../../protocol/jobs.js';
import type { AgentInfo } from '../../protocol/agents.js';
import type { JobRecord } from '../../protocol/records.js';
import type { Result } from '../../protocol/result.js';
import { killGroup, liveGroups, log, root, round, RUNS, waitFor } from './common.js';

type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;
const UI_HOSTS = 50;
const UI_LINES_PER_HOST = 2000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type UiCluster = { dataDir: string; server: ChildProcess; url: string; token: string; ui: UiSocket; sims: SimAgents };

/** `directord serve --no-agent` (it serves renderer/dist) and UI_HOSTS simulated agents. */
async function startUiCluster(): Promise<UiCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-bench-ui-'));
  // Its own process group: bin/directord.js may run the CLI as a child (unbuilt checkout), and
  // stopping must reach that child too.
  const server = spawn(process.execPath, [join(root, 'bin', 'directord.js'), '--data-dir', dataDir, 'serve', '--port', '0', '--no-agent'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
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
      try {
        return JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string };
      } catch {
        return undefined;
      }
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

async function stopUiCluster(c: UiCluster): Promise<void> {
  c.ui.close();
  await c.sims.close();
  const exited = new Promise<void>((r) =>
    c.server.exitCode !== null || c.server.signalCode !== null ? r() : c.server.once('exit', () => r()),
  );
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
  const settled: Result<JobRecord[]> = await c.ui
    .timeout(120_000)
    .emitWithAck('jobs:await', { jobIds: submitted.value.jobs.map((j) => j.jobId), timeoutMs: 110_000 });
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
    const firstPaint = await pollPage<number>(
      page,
      `performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime`,
      'first contentful paint',
    );
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
    const submitted: Result<RunSubmitted> = await c.ui.timeout(60000).emitWithAck('runs:submit', {
      kind: 'exec',
      source: 'bench-100k-lines',
      entries: [{ jobs: [{ verb: 'RUN', text: `--skip-cache lines ${UI_LINES_PER_HOST}` }] }],
      targets: [...c.sims.identities],
      requestedBy: 'bench',
    });
    if (!submitted.ok) throw new Error(`submit failed: ${submitted.error.message}`);
    const runId = submitted.value.runId;
    await page.evaluate(`window.__benchTarget.runId = ${JSON.stringify(runId)}`);
    await page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: runId }).click();
    const done = await pollPage<{ at: number; lines: number }>(page, 'window.__benchDone', `${total} lines in the console`, 300_000);
    const log100k = done.at - t0;
    // The lines are drawn, not only stored: the first pane follows its tail.
    await page
      .getByRole('region', { name: `Output: ${c.sims.identities[0]}` })
      .getByRole('log')
      .getByText(last)
      .waitFor({ timeout: 10_000 });
    const settled: Result<JobRecord[]> = await c.ui
      .timeout(120_000)
      .emitWithAck('jobs:await', { jobIds: submitted.value.jobs.map((j) => j.jobId), timeoutMs: 110_000 });
    if (!settled.ok) throw new Error(`await failed: ${settled.error.message}`);
    const bad = settled.value.flatMap((j) => j.targets).filter((t) => t.state !== 'succeeded');
    if (bad.length)
      throw new Error(`${bad.length} simulated targets did not succeed (first: ${bad[0]?.target} ${bad[0]?.state} ${bad[0]?.info})`);
    const tasks = (await page.evaluate('window.__bench.longTasks')) as { start: number; duration: number }[];
    const longest = (from: number, to = Infinity) =>
      Math.max(0, ...tasks.filter((t) => t.start >= from && t.start < to).map((t) => t.duration));
    log(
      `console: first paint ${round(firstPaint, 1)} ms, hosts ${round(hostsReady, 1)} ms, 100k lines ${round(log100k, 1)} ms (${done.lines} applied); longest task during load ${round(longest(0, hostsReady), 1)} ms, during output ${round(longest(hostsReady), 1)} ms, ${tasks.length} long tasks`,
    );
    if (done.lines !== total) log(`warning: the console applied ${done.lines} lines for ${total} sent`);
    const openRun = await openPastRun(page, c);
    log(`console: a past ${OPEN_RUN_JOBS}-job run on ${OPEN_RUN_HOSTS} hosts opened from History in ${round(openRun, 1)} ms`);
    if (pageErrors.length) throw new Error(`page errors: ${pageErrors.join('; ')}`);
    return { firstPaint, hostsReady, log100k, longestTask: longest(0), linesApplied: done.lines, openRun };
  } finally {
    await context.close();
  }
}

export async function uiPhase(): Promise<Record<string, number[]>> {
  const figures: Record<string, number[]> = {
    ui_first_paint_ms: [],
    ui_hosts_ready_ms: [],
    ui_log_100k_lines_ms: [],
    ui_longest_task_ms: [],
    ui_open_run_1000x6_ms: [],
  };
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
