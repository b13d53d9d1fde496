/**
 * Security-test support (not a test file): the integration harness's {@link Cluster} as the security
 * tests use it — an in-process server in a temp data dir (TLS forced on 127.0.0.1 when asked), `/ui`
 * sockets that trust exactly its certificate, and real agent processes (the built one-file agent) with
 * whatever flags a test gives, started in their own process groups and killed on close. One harness:
 * this file only presets it and keeps the names the security tests use.
 */
import type { Socket } from 'socket.io-client';
import { isResult, type Result } from '../../protocol/result.js';
import type { UiRequestValue, UiToServerEvents } from '../../protocol/ui-events.js';
import type { DirectordServer, ServerOptions } from '../../server/public.js';
import { Cluster, type Proc, type UiSocket } from '../integration/harness.js';

export type { UiSocket };

export class SecurityStack {
  readonly cluster: Cluster;

  constructor(readonly options: Partial<ServerOptions> = {}) {
    // Agents here are remote or enrolled ones: they must not find the data dir through the environment.
    this.cluster = new Cluster({
      inProcess: { heartbeatIntervalMs: 1000, ...options },
      dataDirInEnv: false,
      connectUi: false,
      tagPrefix: 'sec',
    });
  }

  get dataDir(): string {
    return this.cluster.dataDir;
  }
  get serverLog(): string[] {
    return this.cluster.serverLog;
  }
  get procs(): Proc[] {
    return this.cluster.procs;
  }
  get sockets(): UiSocket[] {
    return this.cluster.sockets as UiSocket[];
  }
  get server(): DirectordServer | null {
    return this.cluster.inProcess;
  }

  /** Starts (or restarts, on the same port) the server. */
  async start(port = 0): Promise<DirectordServer> {
    await this.cluster.startServer(port);
    return this.cluster.s;
  }

  get s(): DirectordServer {
    return this.cluster.s;
  }

  /** TLS options that trust exactly the server's certificate. */
  tlsOptions(): { ca?: string } {
    return this.cluster.tlsOptions();
  }

  /** A raw `/ui` socket; resolves connected or rejects with the server's connect error. */
  ui(token: string, client = 'security-test'): Promise<UiSocket> {
    return this.cluster.uiAs(token, client);
  }

  /** Starts the real agent bundle with `args`, in its own process group. */
  agent(args: readonly string[]): Promise<Proc> {
    return this.cluster.agentWith(args);
  }

  online(ui: UiSocket, identity: string, online = true, ms = 20_000): Promise<void> {
    return this.cluster.online(ui, identity, online, ms);
  }

  logs(): string {
    return this.cluster.logs();
  }

  close(): Promise<void> {
    return this.cluster.close();
  }
}

/**
 * Sends a `/ui` request and returns its Result. Loosely typed on purpose: security tests send payloads
 * the contract forbids, to see them refused.
 */
export async function ask<E extends keyof UiToServerEvents>(
  ui: UiSocket,
  event: E,
  ...args: unknown[]
): Promise<Result<UiRequestValue<E>>> {
  const wire: Socket = ui;
  const reply: unknown = await wire.timeout(20_000).emitWithAck(event, ...args);
  if (!isResult<UiRequestValue<E>>(reply)) throw new Error(`${event}: not a Result: ${JSON.stringify(reply)}`);
  return reply;
}

/** Unwraps a Result or throws with its error. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}
