/**
 * Integration-test harness (not a test file): a REAL server, REAL agent processes and the REAL
 * `directord` CLI, on 127.0.0.1 in a temp data dir with a real SQLite file.
 *
 * - The server runs as `node bin/directord.js --data-dir D server --port 0` (a child process, so a
 *   test may SIGKILL it) or, where a test needs options the CLI does not expose (a short
 *   heartbeat interval), in-process through `createServer`.
 * - Agents run as `node dist/directord-agent.cjs --data-dir D --identity NAME`.
 * - Both come from a private build of the current sources made once per test process by the real
 *   `scripts/build.mjs` (see {@link bundles}); DIRECTORD_IT_USE_DIST=1 uses the checkout's dist/.
 * - Every process the harness starts carries `DIRECTORD_IT_TAG=<random>` in its environment, which
 *   the agents' fork-server shells, the jobs and their grandchildren inherit even though they run in
 *   their own sessions. `close()` SIGKILLs every process with that tag (found through
 *   /proc/PID/environ) besides the process groups it started, so nothing outlives a test, even a
 *   failed one or one that SIGKILLed an agent mid-job.
 * - This is the one integration harness: test/security/stack.ts (`SecurityStack`) is a preset of
 *   {@link Cluster} (in-process server with given options, raw `/ui` sockets per token, agents with
 *   any flags, no DIRECTORD_DATA_DIR in their environment).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import type { AgentInfo } from '../../protocol/agents.js';
import type { JobRecord } from '../../protocol/records.js';
import { isResult, type Result } from '../../protocol/result.js';
import { readServerFile } from '../../protocol/server-file.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import type { RequestArgs, RequestValue } from '../../cli/connection.js';
import type { DirectordServer, ServerOptions } from '../../server/public.js';
import { eventually, sleep, textOn, withTimeout } from '../support/wait.js';

// The one set of waiting helpers (test/support/wait.ts), re-exported where the integration tests import them.
export { eventually, sleep, textOn, withTimeout } from '../support/wait.js';
import { localAgentSpecs } from '../../cli/local-agents.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'directord.js');
export const AGENT_BUNDLE = join(ROOT, 'dist', 'directord-agent.cjs');
const TAG_VAR = 'DIRECTORD_IT_TAG';

/** `text` as a literal inside a RegExp. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A short random marker for commands, so cache hits and /proc scans never see another test's jobs. */
export function marker(): string {
  return randomBytes(4).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// Build. Each test process builds the bundles it runs from the current sources with the real
// `scripts/build.mjs`, into a private directory shaped like the checkout (a copy of
// bin/ and package.json, symlinks to the sources and node_modules): the shared dist/
// is never rebuilt under another test file's feet (build.mjs starts with `rm -rf dist/cli`), and
// sources edited meanwhile cannot mix two builds within one file. DIRECTORD_IT_USE_DIST=1 runs the
// checkout's own bin/ and dist/ instead (after `npm run build`).

export type Bundles = Readonly<{ bin: string; agent: string }>;

let bundlesPromise: Promise<Bundles> | null = null;

async function privateBuild(): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), 'directord-it-build-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['protocol', 'components', 'server', 'agent', 'cli', 'node_modules', 'tsconfig.base.json'])
    symlinkSync(join(ROOT, name), join(dir, name));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(BIN, join(dir, 'bin', 'directord.js'));
  // bin/directord.js is CommonJS in a "type": "module" package: its own package.json says so.
  copyFileSync(join(ROOT, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  if (result.code !== 0) throw new Error(`node scripts/build.mjs failed (${result.code}):\n${result.stderr}`);
  return { bin: join(dir, 'bin', 'directord.js'), agent: join(dir, 'dist', 'directord-agent.cjs') };
}

/** The CLI entry and agent bundle this test process runs (built once per process). */
export function bundles(): Promise<Bundles> {
  if (process.env.DIRECTORD_IT_USE_DIST === '1') {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')) || !existsSync(AGENT_BUNDLE))
      throw new Error('DIRECTORD_IT_USE_DIST=1: run `node scripts/build.mjs` first');
    return Promise.resolve({ bin: BIN, agent: AGENT_BUNDLE });
  }
  bundlesPromise ??= privateBuild();
  return bundlesPromise;
}

// ---------------------------------------------------------------------------------------------
// Processes

export type ProcInfo = Readonly<{ pid: number; state: string; cmdline: string }>;

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Process state letter from /proc/PID/stat (R, S, Z…), or null when the process is gone. */
export function procState(pid: number): string | null {
  const stat = readProc(pid, 'stat');
  if (!stat) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
}

/** Live (non-zombie) processes whose command line contains `needle`, besides this one. */
export function processesMatching(needle: string): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const cmdline = readProc(pid, 'cmdline')?.replaceAll('\0', ' ').trim();
    if (!cmdline || !cmdline.includes(needle)) continue;
    const state = procState(pid);
    if (state && state !== 'Z') found.push({ pid, state, cmdline });
  }
  return found;
}

/** Live processes whose environment carries `DIRECTORD_IT_TAG=tag`. */
export function taggedProcesses(tag: string): number[] {
  const needle = `${TAG_VAR}=${tag}\0`;
  return allPids().filter((pid) => {
    if (pid === process.pid) return false;
    const env = readProc(pid, 'environ');
    if (!env || !(env + '\0').includes(needle)) return false;
    const state = procState(pid);
    return state !== null && state !== 'Z';
  });
}

/** Peak and current resident memory of a process in KiB (VmHWM, VmRSS). */
export function memoryOf(pid: number): { hwmKb: number; rssKb: number } {
  const status = readProc(pid, 'status') ?? '';
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { hwmKb: kb('VmHWM'), rssKb: kb('VmRSS') };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

export function exited(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** A child process with its stdout and stderr collected. */
export class Proc {
  stdout = '';
  stderr = '';
  readonly child: ChildProcess;
  constructor(
    readonly name: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
  ) {
    // detached: its own process group, so it can be signalled as a group without touching us.
    this.child = spawn(process.execPath, [...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
  exited(timeoutMs = 15_000) {
    return exited(this.child, timeoutMs);
  }
  killGroup(): void {
    killGroup(this.child);
  }
}

export type Ran = Readonly<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }>;

/** Runs `node bin/directord.js ARGS` to completion (killed after `timeoutMs`). */
export async function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<Ran> {
  const { bin } = await bundles();
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[harness: killed after ${options.timeoutMs ?? 60_000} ms]`;
      killGroup(child);
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The `/ui` connection

export type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;
type Events = UiToServerEvents;
type Args<E extends keyof Events> = RequestArgs<E>;
type Value<E extends keyof Events> = RequestValue<E>;

/** Connects to `${url}/ui` with `token` (trusting exactly `ca` for https); rejects with the server's connect error. */
export async function connectUi(url: string, token: string, options: Readonly<{ client?: string; ca?: string }> = {}): Promise<UiSocket> {
  const socket: UiSocket = io(`${url}/ui`, {
    transports: ['websocket'],
    auth: { token, client: options.client ?? 'integration-test' },
    reconnection: false,
    forceNew: true,
    timeout: 5000,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (e) => reject(e));
      }),
      6000,
      'ui connect',
    );
  } catch (error) {
    socket.close();
    throw error;
  }
  return socket;
}

/** Sends a request and returns its Result (never throws on a server-side error). */
export async function ask<E extends keyof Events>(ui: UiSocket, event: E, ...args: Args<E>): Promise<Result<Value<E>>> {
  // Socket.IO's default view of the same socket (its types cannot follow a generic event through timeout()).
  const wire: Socket = ui;
  const reply: unknown = await wire.timeout(60_000).emitWithAck(event, ...args);
  if (!isResult<Value<E>>(reply)) throw new Error(`${event}: not a Result: ${JSON.stringify(reply)}`);
  return reply;
}

/** Sends a request and unwraps its Result, throwing on an error. */
export async function req<E extends keyof Events>(ui: UiSocket, event: E, ...args: Args<E>): Promise<Value<E>> {
  const r = await ask(ui, event, ...args);
  if (!r.ok) throw new Error(`${event} failed: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

// ---------------------------------------------------------------------------------------------
// The cluster: one data dir, one server, N agents, a `/ui` connection.

export type AgentHandle = Proc & { identity: string; cacheDir: string };

export type ClusterOptions = Readonly<{
  agents?: readonly string[];
  /** Run the server in this process with these options instead of `directord server` (its log goes to `serverLog`). */
  inProcess?: Partial<ServerOptions>;
  /** Extra arguments of `directord server` (e.g. `--max-output-bytes 4096`). */
  serverArgs?: readonly string[];
  /** Give children DIRECTORD_DATA_DIR=dataDir (default); false for agents that must find nothing there (remote, enrolled). */
  dataDirInEnv?: boolean;
  /** Open `ui` (a `/ui` socket with the console token) on every server start (default true). */
  connectUi?: boolean;
  /** The start of the process tag (default `it`). */
  tagPrefix?: string;
  /** Run `directord serve --local-agents N` (the server and its own local agents) instead of `directord server`. */
  localAgents?: number;
}>;

export class Cluster {
  readonly tag: string;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  server: Proc | null = null;
  inProcess: DirectordServer | null = null;
  /** Lines the in-process server logged. */
  readonly serverLog: string[] = [];
  readonly agents = new Map<string, AgentHandle>();
  /** Every agent process ever started (restarts and `agentWith` included), for cleanup and log dumps. */
  readonly procs: Proc[] = [];
  /** Every raw `/ui` socket `uiAs` opened; closed by `close()`. */
  readonly sockets: Socket[] = [];
  private readonly oldServers: Proc[] = [];
  private uiSocket: UiSocket | null = null;
  private built: Bundles | null = null;
  url = '';

  /** A cluster with nothing started yet; `Cluster.start` also starts the server and the agents. */
  constructor(readonly options: ClusterOptions = {}) {
    this.tag = `${options.tagPrefix ?? 'it'}-${marker()}${marker()}`;
    this.dataDir = mkdtempSync(join(tmpdir(), `directord-${options.tagPrefix ?? 'it'}-`));
    this.env = { ...process.env, [TAG_VAR]: this.tag, ...(options.dataDirInEnv === false ? {} : { DIRECTORD_DATA_DIR: this.dataDir }) };
    if (options.dataDirInEnv === false) delete this.env.DIRECTORD_DATA_DIR;
    delete this.env.DIRECTORD_DEBUG;
    delete this.env.NODE_OPTIONS;
  }

  /** The built CLI and agent (after `Cluster.start`, `startServer` or `startAgent`). */
  get bundles(): Bundles {
    if (!this.built) throw new Error('bundles not built yet');
    return this.built;
  }

  private async build(): Promise<Bundles> {
    return (this.built ??= await bundles());
  }

  static async start(options: ClusterOptions = {}): Promise<Cluster> {
    const cluster = new Cluster(options);
    try {
      await cluster.build();
      await cluster.startServer();
      for (const identity of options.agents ?? []) await cluster.startAgent(identity);
      await cluster.waitOnline([...(options.agents ?? []), ...cluster.localAgentNames()]);
    } catch (error) {
      const logs = cluster.logs();
      await cluster.close();
      throw new Error(`cluster did not start: ${error instanceof Error ? error.message : String(error)}\n${logs}`);
    }
    return cluster;
  }

  /** The identities `serve --local-agents N` gives its agents. */
  localAgentNames(): string[] {
    return localAgentSpecs(this.options.localAgents ?? 0, this.dataDir).map((s) => s.identity);
  }

  get ui(): UiSocket {
    if (!this.uiSocket) throw new Error('no ui connection (server stopped?)');
    return this.uiSocket;
  }

  /** The in-process server. */
  get s(): DirectordServer {
    if (!this.inProcess) throw new Error('no in-process server running');
    return this.inProcess;
  }

  /** TLS options that trust exactly the server's certificate (DATA_DIR/tls.crt). */
  tlsOptions(): { ca?: string } {
    return this.url.startsWith('https:') ? { ca: readFileSync(join(this.dataDir, 'tls.crt'), 'utf8') } : {};
  }

  /** A raw `/ui` socket with `token`; resolves connected or rejects with the server's connect error. */
  async uiAs(token: string, client = 'integration-test'): Promise<UiSocket> {
    const socket = await connectUi(this.url, token, { client, ...this.tlsOptions() });
    this.sockets.push(socket);
    return socket;
  }

  /** Starts the real agent bundle with exactly `args`, in its own process group (not waited for). */
  async agentWith(args: readonly string[]): Promise<Proc> {
    const proc = new Proc(`agent ${args.join(' ')}`, [(await this.build()).agent, ...args], this.env);
    this.procs.push(proc);
    return proc;
  }

  /** Waits until `ui`'s server lists `identity` online (or offline). */
  async online(ui: UiSocket, identity: string, online = true, ms = 20_000): Promise<void> {
    await eventually(
      `${identity} ${online ? 'online' : 'offline'}`,
      async () => {
        const agents = await ask(ui, 'agents:list');
        return agents.ok && agents.value.some((a) => a.identity === identity && a.online === online) ? true : undefined;
      },
      ms,
      50,
    );
  }

  get serverPid(): number {
    return this.inProcess ? process.pid : (this.server?.pid ?? -1);
  }

  /** Starts the server (again) on this data dir (in-process: on `port`) and reconnects the `/ui` socket. */
  async startServer(port = 0): Promise<void> {
    if (this.options.inProcess) {
      const { createServer } = await import('../../server/public.js');
      const { createLogger } = await import('../../protocol/log.js');
      const log = createLogger('directord:server', (line) => void this.serverLog.push(line), 'debug');
      const server = await createServer({ dataDir: this.dataDir, port, log, ...this.options.inProcess });
      this.inProcess = server;
      this.url = server.url;
    } else {
      const command = this.options.localAgents
        ? ['serve', '--port', '0', '--tls', 'off', '--local-agents', String(this.options.localAgents)]
        : ['server', '--port', '0'];
      const proc = new Proc(
        'server',
        [(await this.build()).bin, '--data-dir', this.dataDir, ...command, ...(this.options.serverArgs ?? [])],
        this.env,
      );
      this.server = proc;
      const info = await eventually(
        'server.json of the new server',
        () => {
          if (!proc.running) throw new Error(`server exited early (${proc.child.exitCode ?? proc.child.signalCode}): ${proc.stderr}`);
          const read = readServerFile(this.dataDir, (path) => readFileSync(path, 'utf8'));
          return read.ok && read.value.pid === proc.pid ? read.value : undefined;
        },
        20_000,
        25,
      );
      this.url = info.url;
    }
    if (this.options.connectUi !== false) this.uiSocket = await connectUi(this.url, this.token(), this.tlsOptions());
  }

  token(): string {
    return readFileSync(join(this.dataDir, 'ui.token'), 'utf8').trim();
  }

  agentKey(): string {
    return readFileSync(join(this.dataDir, 'agent.key'), 'utf8').trim();
  }

  /** Stops the server: SIGTERM (clean), or SIGKILL of its process group (a crash). */
  async stopServer(how: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.uiSocket?.close();
    this.uiSocket = null;
    if (this.inProcess) {
      if (how === 'SIGKILL') throw new Error('an in-process server cannot be SIGKILLed');
      await this.inProcess.close();
      this.inProcess = null;
      return { code: 0, signal: null };
    }
    const proc = this.server;
    if (!proc) throw new Error('no server');
    this.server = null;
    this.oldServers.push(proc);
    if (how === 'SIGKILL') proc.killGroup();
    else proc.signal('SIGTERM');
    return proc.exited(20_000);
  }

  /** Starts `directord-agent --identity NAME` and waits until it is connected. */
  async startAgent(identity: string, options: { cacheDir?: string; wait?: boolean } = {}): Promise<AgentHandle> {
    const cacheDir = options.cacheDir ?? join(this.dataDir, 'agents', identity);
    const proc = new Proc(
      `agent ${identity}`,
      [(await this.build()).agent, '--data-dir', this.dataDir, '--identity', identity, '--cache-dir', cacheDir],
      this.env,
    ) as AgentHandle;
    proc.identity = identity;
    proc.cacheDir = cacheDir;
    this.agents.set(identity, proc);
    this.procs.push(proc);
    if (options.wait !== false) await this.agentConnected(proc);
    return proc;
  }

  /** Waits for the agent's `connected` log line (its hello was accepted). */
  async agentConnected(proc: AgentHandle, ms = 20_000): Promise<void> {
    // Driven by the agent's stderr, not polled: resolves on the line, fails at once if it exits.
    if (!proc.running) throw new Error(`agent ${proc.identity} exited (${proc.child.exitCode ?? proc.child.signalCode}): ${proc.stderr}`);
    if (!proc.child.stderr) throw new Error(`agent ${proc.identity} has no stderr pipe`);
    await textOn(proc.child.stderr, /INFO agent:\S+:link connected/, ms, `agent ${proc.identity} to connect`, {
      child: proc.child,
      seen: proc.stderr,
    });
  }

  agent(identity: string): AgentHandle {
    const a = this.agents.get(identity);
    if (!a) throw new Error(`no agent ${identity}`);
    return a;
  }

  /** Waits until the server lists these agents online. */
  async waitOnline(identities: readonly string[], ms = 15_000): Promise<AgentInfo[]> {
    return eventually(
      `agents ${identities.join(', ')} online`,
      async () => {
        const list = await req(this.ui, 'agents:list');
        return identities.every((id) => list.some((a) => a.identity === id && a.online)) ? list : undefined;
      },
      ms,
      100,
    );
  }

  /** `directord --data-dir D ARGS…` as a child process. */
  cli(...args: string[]): Promise<Ran> {
    return runCli(['--data-dir', this.dataDir, ...args], { env: this.env });
  }

  /** `directord --data-dir D ARGS…` run from `cwd` (relative paths in ARGS are the user's). */
  cliIn(cwd: string, args: readonly string[], timeoutMs?: number): Promise<Ran> {
    return runCli(['--data-dir', this.dataDir, ...args], { env: this.env, cwd, ...(timeoutMs ? { timeoutMs } : {}) });
  }

  /** Waits for every job to settle (every target final) and returns their records. */
  async await(jobIds: readonly string[], timeoutMs = 20_000): Promise<JobRecord[]> {
    return req(this.ui, 'jobs:await', { jobIds: [...jobIds], timeoutMs });
  }

  async output(jobId: string, target: string): Promise<{ stdout: string; stderr: string; truncated: boolean }> {
    return req(this.ui, 'jobs:output', { jobId, target });
  }

  /** Stdout, stderr and exit code of every process, for assertion messages. */
  logs(): string {
    const parts: string[] = [];
    for (const s of [...this.oldServers, ...(this.server ? [this.server] : [])])
      parts.push(`--- server ${s.pid}\n${s.stderr.slice(-4000)}`);
    if (this.serverLog.length) parts.push(`--- in-process server\n${this.serverLog.slice(-40).join('')}`);
    for (const a of this.procs) parts.push(`--- ${a.name} ${a.pid}\n${a.stdout.slice(-2000)}${a.stderr.slice(-3000)}`);
    return parts.join('\n');
  }

  /** Stops everything this cluster started and removes the data dir. Safe to call twice. */
  async close(): Promise<void> {
    this.uiSocket?.close();
    this.uiSocket = null;
    for (const socket of this.sockets) socket.close();
    // Agents first (SIGTERM, briefly), then the server, then anything still carrying our tag.
    for (const a of this.procs) if (a.running) a.signal('SIGTERM');
    await Promise.all(this.procs.map((a) => a.exited(3000).catch(() => a.killGroup())));
    if (this.inProcess) await this.inProcess.close().catch(() => {});
    this.inProcess = null;
    for (const s of [...this.oldServers, ...(this.server ? [this.server] : [])]) {
      s.signal('SIGTERM');
      await s.exited(5000).catch(() => s.killGroup());
    }
    this.server = null;
    for (let round = 0; round < 5; round++) {
      const left = taggedProcesses(this.tag);
      if (left.length === 0) break;
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await sleep(50);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** The job id of each `Job <Outcome>: <id>` line, in order. */
export function statusLines(stdout: string): { outcome: string; id: string }[] {
  return [...stdout.matchAll(/^Job (Success|Degrated|Skipped|in an unknown state): ([0-9a-f-]{36})$/gm)].map((m) => ({
    outcome: m[1]!,
    id: m[2]!,
  }));
}

/** Asserts a CLI run's exit code, putting its output in the message. */
export function describeRun(ran: Ran): string {
  return `exit ${ran.code}${ran.signal ? ` (${ran.signal})` : ''} after ${Math.round(ran.ms)} ms\n--- stdout\n${ran.stdout.slice(-3000)}\n--- stderr\n${ran.stderr.slice(-3000)}`;
}
