/**
 * A tiny stand-in for the server's `/agent` namespace, for agent tests: key check, hello ack,
 * dispatch, cancel, and a record of every job event it receives (acked unless told not to).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { AgentHello } from '../../protocol/agents.js';
import type { DispatchedJob, FinishedEvent, JobEvent, OutputEvent } from '../../protocol/jobs.js';
import { ok, type Result } from '../../protocol/result.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';

export type FakeServerOptions = { key?: string; port?: number; protocolVersion?: string };

export class FakeServer {
  readonly key: string;
  readonly hellos: AgentHello[] = [];
  readonly events: JobEvent[] = [];
  readonly batches: number[] = [];
  heartbeats = 0;
  /** When false, job:events batches are recorded but never acked. */
  ackEvents = true;
  private http!: HttpServer;
  private io!: Server;
  private sockets = new Set<Socket>();
  private listeners = new Set<() => void>();
  port = 0;

  private constructor(key: string) {
    this.key = key;
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeServer> {
    const server = new FakeServer(options.key ?? randomBytes(16).toString('hex'));
    await server.listen(options.port ?? 0, options.protocolVersion);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening again (same port) after `stop()`. */
  async listen(port = this.port, protocolVersion = PROTOCOL_VERSION): Promise<void> {
    this.http = createServer();
    this.io = new Server(this.http, { transports: ['websocket'] });
    const ns = this.io.of('/agent');
    ns.use((socket, next) => {
      const auth = socket.handshake.auth as { key?: unknown; identity?: unknown };
      if (auth.key !== this.key || typeof auth.identity !== 'string') {
        const error = new Error('unauthorized') as Error & { data?: unknown };
        error.data = { code: 'unauthorized', message: 'wrong key' };
        next(error);
        return;
      }
      next();
    });
    ns.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('disconnect', () => this.sockets.delete(socket));
      socket.on('agent:hello', (hello: AgentHello, ack: (r: Result<unknown>) => void) => {
        this.hellos.push(hello);
        if (hello.protocolVersion.split('.')[0] !== protocolVersion.split('.')[0]) {
          ack({ ok: false, error: { code: 'protocol-mismatch', message: 'mismatch' } });
          return;
        }
        ack(ok({ serverVersion: 'test', heartbeatIntervalMs: 1000, redispatched: 0 }));
        this.changed();
      });
      socket.on('agent:heartbeat', () => {
        this.heartbeats += 1;
        this.changed();
      });
      socket.on('job:events', (batch: { batch: number; events: JobEvent[] }, ack: (r: Result<unknown>) => void) => {
        this.batches.push(batch.events.length);
        this.events.push(...batch.events);
        if (this.ackEvents) ack(ok({ applied: batch.events.length }));
        this.changed();
      });
    });
    await new Promise<void>((resolve) => this.http.listen(port, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
  }

  /** Closes the server and drops every connection (the agent sees the server go away). */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.disconnect(true);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    this.http.closeAllConnections?.();
  }

  async dispatch(jobs: DispatchedJob[]): Promise<Result<{ accepted: number }>> {
    const socket = await this.agentSocket();
    return (await socket.timeout(5000).emitWithAck('job:dispatch', jobs)) as Result<{ accepted: number }>;
  }

  async cancel(jobIds: string[]): Promise<void> {
    (await this.agentSocket()).emit('job:cancel', jobIds);
  }

  finished(jobId: string): FinishedEvent[] {
    return this.events.filter((e): e is FinishedEvent => e.type === 'finished' && e.jobId === jobId);
  }

  output(jobId: string, stream: 'stdout' | 'stderr'): string {
    const chunks = new Map<number, string>();
    for (const e of this.events) if (e.type === 'output' && e.jobId === jobId && e.stream === stream) chunks.set(e.seq, e.data);
    return [...chunks.entries()]
      .sort((a, b) => a[0] - b[0])
      .map((c) => c[1])
      .join('');
  }

  outputEvents(jobId: string): OutputEvent[] {
    return this.events.filter((e): e is OutputEvent => e.type === 'output' && e.jobId === jobId);
  }

  /** Resolves when `predicate` holds (checked on every message), rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  waitFinished(jobIds: readonly string[], timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => jobIds.every((id) => this.finished(id).length > 0), timeoutMs, `finished of ${jobIds.length} job(s)`);
  }

  private async agentSocket(): Promise<Socket> {
    await this.waitFor(() => this.sockets.size > 0 && this.hellos.length > 0, 10_000, 'an agent');
    return [...this.sockets].at(-1) as Socket;
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

let shaCounter = 0;

/** A dispatched RUN job (or any verb) with fresh ids. */
export function makeJob(overrides: Partial<DispatchedJob> & { command?: string } = {}): DispatchedJob {
  const { command, ...rest } = overrides;
  const sha = (randomBytes(24).toString('hex') + (++shaCounter).toString(16).padStart(8, '0')).slice(0, 56);
  return {
    jobId: randomUUID(),
    runId: 'run-1',
    parentId: randomUUID(),
    verb: 'RUN',
    args: { no_block: false, retry: 1, command: command ?? 'echo hello world' },
    sha,
    timeout: 600,
    skipCache: false,
    parentAsync: false,
    ...rest,
  };
}
