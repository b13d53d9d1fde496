/**
 * Security-test support (not a test file): an in-process server in a temp data dir (TLS forced on
 * 127.0.0.1 when asked), `/ui` sockets that trust exactly its certificate, and real agent
 * processes (the built one-file agent) started in their own process groups and killed on close.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createLogger } from '../../protocol/log.js';
import type { Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import { createServer, type DirectordServer, type ServerOptions } from '../../server/index.js';
import { bundles, eventually, marker, Proc, withTimeout } from '../integration/harness.js';

export type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;

export class SecurityStack {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'directord-sec-'));
  readonly serverLog: string[] = [];
  readonly procs: Proc[] = [];
  readonly sockets: Socket[] = [];
  server: DirectordServer | null = null;
  private readonly env: NodeJS.ProcessEnv = { ...process.env, DIRECTORD_IT_TAG: `sec-${marker()}` };

  constructor(readonly options: Partial<ServerOptions> = {}) {
    delete this.env.NODE_OPTIONS;
    delete this.env.DIRECTORD_DATA_DIR;
  }

  /** Starts (or restarts, on the same port) the server. */
  async start(port = 0): Promise<DirectordServer> {
    const log = createLogger('directord:server', (line) => void this.serverLog.push(line), 'debug');
    this.server = await createServer({ dataDir: this.dataDir, port, heartbeatIntervalMs: 1000, log, ...this.options });
    return this.server;
  }

  get s(): DirectordServer {
    if (!this.server) throw new Error('server not started');
    return this.server;
  }

  /** TLS options that trust exactly the server's certificate. */
  tlsOptions(): { ca?: string } {
    return this.s.url.startsWith('https:') ? { ca: readFileSync(join(this.dataDir, 'tls.crt'), 'utf8') } : {};
  }

  /** A raw `/ui` socket; resolves connected or rejects with the server's connect error. */
  async ui(token: string, client = 'security-test'): Promise<UiSocket> {
    const socket: UiSocket = io(`${this.s.url}/ui`, { transports: ['websocket'], auth: { token, client }, reconnection: false, forceNew: true, timeout: 5000, ...this.tlsOptions() });
    this.sockets.push(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (e) => reject(e));
      }),
      6000,
      'ui connect',
    );
    return socket;
  }

  /** Starts the real agent bundle with `args`, in its own process group. */
  async agent(args: readonly string[]): Promise<Proc> {
    const { agent } = await bundles();
    const proc = new Proc(`agent ${args.join(' ')}`, [agent, ...args], this.env);
    this.procs.push(proc);
    return proc;
  }

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

  logs(): string {
    return [`--- server log`, ...this.serverLog.slice(-40), ...this.procs.map((p) => `--- ${p.name}\n${p.stdout}${p.stderr}`)].join('\n');
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.close();
    for (const p of this.procs) if (p.running) p.killGroup();
    await Promise.all(this.procs.map((p) => p.exited(5000).catch(() => undefined)));
    await this.server?.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Sends a `/ui` request and returns its Result. */
export function ask<E extends keyof UiToServerEvents>(ui: UiSocket, event: E, ...args: unknown[]): Promise<Result<AckOf<E>>> {
  const timed = ui.timeout(20_000) as unknown as { emitWithAck(event: string, ...a: unknown[]): Promise<Result<AckOf<E>>> };
  return timed.emitWithAck(event, ...args);
}

type Last<T extends unknown[]> = T extends [...unknown[], infer L] ? L : never;
type AckOf<E extends keyof UiToServerEvents> = Last<Parameters<UiToServerEvents[E]>> extends (r: Result<infer T>) => void ? T : never;

/** Unwraps a Result or throws with its error. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
