/**
 * The 500-agent scale scenario (issue #5), shared by `npm run bench` (scale phase) and
 * test/scale/agents-500.test.ts:
 *   1. `directord server --port P` as a child process (its own process group) in a temp data dir;
 *      a fixed port, so the restarted server is found again by clients that do not re-read
 *      server.json (the simulated agents);
 *   2. `count` simulated agents (scripts/bench/sim-agents.ts, the real /agent protocol) in this
 *      process connect: start → all of them online in `agents:list` (connectS);
 *   3. an orchestration of `jobs` RUN jobs on all of them through `runs:submit` on /ui: submit →
 *      `jobs:await` resolved, i.e. every (job, target) result committed (orchestrationS); the
 *      counts are then checked with `runs:get` and with SELECT count(*) on the SQLite file opened
 *      read-only;
 *   4. the server's VmRSS (/proc/PID/status) after the orchestration;
 *   5. reconnect stampede: the server is SIGKILLed and started again on the same port and data
 *      dir: restart → all agents online again (reconnectS), with the agents' reconnection attempts
 *      recorded to show the backoff is jittered.
 */
import { freePort } from '../../test/support/ports.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import type { AgentInfo } from '../../protocol/agents.js';
import type { JobRecord, RunDetail } from '../../protocol/records.js';
import type { RunSubmitted } from '../../protocol/jobs.js';
import type { Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import { startSimAgents, type SimAgentConnection, type SimAgents } from './sim-agents.js';
import { eventually } from '../../test/support/wait.js';

type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;

export type ScaleOptions = Readonly<{
  /** bin/directord.js of the build to run. */
  bin: string;
  /** Simulated agents (default 500). */
  count?: number;
  /** Jobs in the orchestration (default 10). */
  jobs?: number;
  /** Also measure the reconnect stampede (default true). */
  reconnect?: boolean;
  /** Environment of the server process. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines. */
  log?: (message: string) => void;
  /** Bound of each waiting step (default 120 s). */
  stepTimeoutMs?: number;
}>;

export type ReconnectJitter = Readonly<{
  /** Agents that reconnected (a second hello). */
  agents: number;
  /** Delay from the loss of the connection to the first reconnection attempt, ms: min, max, standard deviation. */
  firstAttemptMinMs: number;
  firstAttemptMaxMs: number;
  firstAttemptStdevMs: number;
  /** Spread of the times the agents were back (last − first hello after the restart), ms. */
  readySpreadMs: number;
  /** Most attempts one agent needed. */
  maxAttempts: number;
}>;

export type ScaleResult = Readonly<{
  count: number;
  jobs: number;
  connectS: number;
  orchestrationS: number;
  serverRssMb: number;
  /** Server restart (spawn) → all agents online again; null when not measured. */
  reconnectS: number | null;
  /** Server SIGKILL → all agents online again. */
  reconnectFromKillS: number | null;
  jitter: ReconnectJitter | null;
  runId: string;
  /** Target states of the run as `runs:get` counts them. */
  runCounts: Readonly<Record<string, number>>;
  runStatus: string;
  /** From the SQLite file opened read-only: targets of the run, succeeded ones, distinct (job, target) pairs. */
  db: Readonly<{ targets: number; succeeded: number; distinctPairs: number; integrity: string }>;
  /** Results the simulated agents saw acknowledged. */
  simFinished: number;
}>;

/** test/support/wait.ts's eventually, the one poller. */
const waitFor = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, every = 50): Promise<T> =>
  eventually(what, fn, timeoutMs, every);

/** Resident memory of a process in MiB (VmRSS), NaN when unreadable. */
export function rssMb(pid: number): number {
  try {
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (p.pid !== undefined) process.kill(-p.pid, signal);
  } catch {
    // already gone
  }
}

function exited(p: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const timer = setTimeout(resolve, ms);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Server processes this module started and has not stopped: killed when the process exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((p) => killGroup(p, 'SIGKILL')));

type ServerProc = { child: ChildProcess; pid: number; url: string; stderr: string[] };

async function startServerProc(bin: string, dataDir: string, port: number, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ServerProc> {
  const child = spawn(process.execPath, [bin, '--data-dir', dataDir, 'server', '--port', String(port)], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  live.add(child);
  const stderr: string[] = [];
  // 500 agents coming and going make 1000 INFO lines: keep warnings and errors (bounded).
  let pending = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (!/^\S+ (INFO|DEBUG) /.test(line) && stderr.length < 200) stderr.push(line);
  });
  const info = await waitFor(
    'server.json of the new server',
    () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`server exited early (${child.exitCode ?? child.signalCode}): ${stderr.join('\n')}`);
      try {
        const parsed = JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { url: string; pid: number; port: number };
        return parsed.pid === child.pid ? parsed : undefined;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    25,
  );
  return { child, pid: info.pid, url: info.url, stderr };
}

async function connectUi(url: string, token: string): Promise<UiSocket> {
  const ui: UiSocket = io(`${url}/ui`, {
    transports: ['websocket'],
    auth: { token, client: 'bench-scale' },
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    ui.once('connect', () => resolve());
    ui.once('connect_error', (e) => reject(e));
  });
  return ui;
}

async function onlineCount(ui: UiSocket, identities: ReadonlySet<string>): Promise<number> {
  const r: Result<AgentInfo[]> = await ui.timeout(30_000).emitWithAck('agents:list');
  if (!r.ok) throw new Error(`agents:list failed: ${r.error.message}`);
  return r.value.filter((a) => a.online && identities.has(a.identity)).length;
}

function stdev(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
}

/** Jitter of the reconnection after `since` (the server's SIGKILL). */
export function reconnectJitter(connections: readonly SimAgentConnection[], since: number): ReconnectJitter {
  const back = connections.filter((c) => c.hellos >= 2 && c.lastDisconnectAt !== null && c.lastDisconnectAt >= since);
  const firsts = back.filter((c) => c.attemptsAt.length > 0).map((c) => (c.attemptsAt[0] as number) - (c.lastDisconnectAt as number));
  const ready = back.map((c) => c.readyAt ?? NaN);
  return {
    agents: back.length,
    firstAttemptMinMs: firsts.length ? Math.min(...firsts) : NaN,
    firstAttemptMaxMs: firsts.length ? Math.max(...firsts) : NaN,
    firstAttemptStdevMs: firsts.length ? stdev(firsts) : NaN,
    readySpreadMs: ready.length ? Math.max(...ready) - Math.min(...ready) : NaN,
    maxAttempts: Math.max(0, ...back.map((c) => c.attemptsAt.length)),
  };
}

/** Runs the scenario once (see the file comment); always cleans up. */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const count = options.count ?? 500;
  const jobCount = options.jobs ?? 10;
  const log = options.log ?? (() => undefined);
  const step = options.stepTimeoutMs ?? 120_000;
  const env = { ...(options.env ?? process.env) };
  delete env.NODE_OPTIONS;
  const dataDir = mkdtempSync(join(tmpdir(), 'directord-scale-'));
  const port = await freePort();
  let server: ServerProc | null = null;
  let ui: UiSocket | null = null;
  let sims: SimAgents | null = null;
  try {
    server = await startServerProc(options.bin, dataDir, port, env, step);
    const token = readFileSync(join(dataDir, 'ui.token'), 'utf8').trim();
    const key = readFileSync(join(dataDir, 'agent.key'), 'utf8').trim();
    ui = await connectUi(server.url, token);

    log(`scale: ${count} simulated agents connecting to ${server.url}`);
    const t0 = performance.now();
    sims = await startSimAgents({ serverUrl: server.url, key, count, prefix: 'scale-', connectConcurrency: 50, connectTimeoutMs: step });
    const ids = new Set(sims.identities);
    const u0 = ui;
    await waitFor(`${count} agents online`, async () => ((await onlineCount(u0, ids)) === count ? true : undefined), step, 25);
    const connectS = (performance.now() - t0) / 1000;
    log(`scale: all ${count} online after ${connectS.toFixed(3)} s`);

    const entries = [
      { name: 'scale', jobs: Array.from({ length: jobCount }, (_, i) => ({ verb: 'RUN', text: `--skip-cache echo scale job ${i + 1}` })) },
    ];
    const t1 = performance.now();
    const submitted: Result<RunSubmitted> = await ui.timeout(step).emitWithAck('runs:submit', {
      kind: 'orchestrate',
      source: 'bench-scale',
      entries,
      targets: [...sims.identities],
      requestedBy: 'bench',
    });
    if (!submitted.ok) throw new Error(`submit failed: ${submitted.error.message}`);
    const jobIds = submitted.value.jobs.map((j) => j.jobId);
    const done: Result<JobRecord[]> = await ui.timeout(step + 5000).emitWithAck('jobs:await', { jobIds, timeoutMs: step });
    const orchestrationS = (performance.now() - t1) / 1000;
    if (!done.ok) throw new Error(`jobs:await failed: ${done.error.message}`);
    log(`scale: ${jobCount} jobs × ${count} agents settled after ${orchestrationS.toFixed(3)} s`);
    const runId = submitted.value.runId;
    const detail: Result<RunDetail> = await ui.timeout(step).emitWithAck('runs:get', runId);
    if (!detail.ok) throw new Error(`runs:get failed: ${detail.error.message}`);
    const db = new Database(join(dataDir, 'directord.db'), { readonly: true, fileMustExist: true });
    let dbCounts: ScaleResult['db'];
    try {
      const one = (sql: string) => (db.prepare(sql).get(runId) as { n: number }).n;
      dbCounts = {
        targets: one('SELECT count(*) AS n FROM targets WHERE run_id = ?'),
        succeeded: one("SELECT count(*) AS n FROM targets WHERE run_id = ? AND state = 'succeeded'"),
        distinctPairs: one('SELECT count(*) AS n FROM (SELECT DISTINCT job_id, target FROM targets WHERE run_id = ?)'),
        integrity: (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).join(','),
      };
    } finally {
      db.close();
    }
    const serverRssMb = rssMb(server.pid);
    log(`scale: server RSS ${serverRssMb.toFixed(1)} MiB; db ${JSON.stringify(dbCounts)}`);

    let reconnectS: number | null = null;
    let reconnectFromKillS: number | null = null;
    let jitter: ReconnectJitter | null = null;
    if (options.reconnect !== false) {
      ui.close();
      ui = null;
      const killedAt = Date.now();
      const tk = performance.now();
      killGroup(server.child, 'SIGKILL');
      await exited(server.child, 10_000);
      live.delete(server.child);
      // Every agent noticed before the restart (a SIGKILLed server's sockets close at once).
      const s0 = sims;
      await waitFor(
        'agents to notice the loss of the server',
        () => (s0.connections().every((c) => c.lastDisconnectAt !== null && c.lastDisconnectAt >= killedAt) ? true : undefined),
        10_000,
        10,
      );
      const tr = performance.now();
      server = await startServerProc(options.bin, dataDir, port, env, step);
      const u1 = (ui = await connectUi(server.url, token));
      await waitFor(`${count} agents online again`, async () => ((await onlineCount(u1, ids)) === count ? true : undefined), step, 25);
      reconnectS = (performance.now() - tr) / 1000;
      reconnectFromKillS = (performance.now() - tk) / 1000;
      jitter = reconnectJitter(sims.connections(), killedAt);
      log(
        `scale: all ${count} back ${reconnectS.toFixed(3)} s after the restart (${reconnectFromKillS.toFixed(3)} s after the kill); jitter ${JSON.stringify(jitter)}`,
      );
    }
    return {
      count,
      jobs: jobCount,
      connectS,
      orchestrationS,
      serverRssMb,
      reconnectS,
      reconnectFromKillS,
      jitter,
      runId,
      runCounts: detail.value.counts,
      runStatus: detail.value.status,
      db: dbCounts,
      simFinished: sims.stats().finished,
    };
  } catch (error) {
    if (server?.stderr.length) log(`scale: server warnings/errors:\n${server.stderr.slice(-40).join('\n')}`);
    throw error;
  } finally {
    ui?.close();
    await sims?.close();
    if (server) {
      killGroup(server.child, 'SIGTERM');
      await exited(server.child, 5000);
      killGroup(server.child, 'SIGKILL');
      live.delete(server.child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
