/**
 * Test support (not a test file): a server in a temp data dir, `/ui` clients and scriptable
 * fake agents speaking the real protocol over socket.io-client on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { io, type Socket } from 'socket.io-client';
import { defineComponent, type Component } from '../../components/define.js';
import type { AgentHello, AgentWelcome } from '../../protocol/agents.js';
import type { AgentToServerEvents, ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { DispatchedJob, JobEvent } from '../../protocol/jobs.js';
import { silentLogger } from '../../protocol/log.js';
import type { Result } from '../../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../../protocol/ui-events.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { createServer, type DirectordServer, type ServerOptions } from '../index.js';
import { withTimeout } from '../../test/support/wait.js';

// The one set of waiting helpers (test/support/wait.ts), re-exported where the server's tests import them.
export { eventually, sleep, withTimeout } from '../../test/support/wait.js';

export type UiClient = Socket<ServerToUiEvents, UiToServerEvents>;
export type AgentClient = Socket<ServerToAgentEvents, AgentToServerEvents>;

/** Small components for tests: RUN (command verbatim) and ECHO (a positional and a flag). */
export const testComponents: readonly Component[] = [
  defineComponent({
    verb: 'RUN',
    summary: 'Run a command (test double).',
    args: Type.Object({ command: Type.String({ 'x-argv': 'rest', minLength: 1 }) }),
    cacheable: true,
    requiresLock: false,
    run: async () => ({ ok: true }),
  }),
  defineComponent({
    verb: 'ECHO',
    summary: 'Echo (test double).',
    args: Type.Object({
      loud: Type.Boolean({ 'x-argv': 'flag', default: false }),
      message: Type.String({ 'x-argv': 'rest', minLength: 1 }),
    }),
    cacheable: false,
    requiresLock: false,
    run: async () => ({ ok: true }),
  }),
];

export type TestServer = Readonly<{ server: DirectordServer; dataDir: string; stop(): Promise<void> }>;

export async function startTestServer(
  options: Partial<ServerOptions> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'directord-server-test-')),
): Promise<TestServer> {
  const server = await createServer({ dataDir, port: 0, log: silentLogger, components: testComponents, ...options });
  return {
    server,
    dataDir,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function connectUi(server: DirectordServer, token = server.uiToken): Promise<UiClient> {
  const socket: UiClient = io(`${server.url}/ui`, {
    transports: ['websocket'],
    auth: { token, client: 'test' },
    reconnection: false,
    forceNew: true,
  });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (e) => reject(e));
    }),
    5000,
    'ui connect',
  );
  return socket;
}

/** Acks a request and unwraps its Result, failing the test on an error. */
export async function request<T>(promise: Promise<Result<T>>): Promise<T> {
  const r = await withTimeout(promise, 10_000, 'ack');
  if (!r.ok) throw new Error(`request failed: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

export type FakeAgentOptions = Readonly<{ machineId?: string; key?: string; activeJobs?: string[]; autoAck?: boolean }>;

/** An agent under test control: records dispatches, sends whatever events the test scripts. */
export class FakeAgent {
  readonly socket: AgentClient;
  readonly dispatched: DispatchedJob[] = [];
  readonly cancelled: string[] = [];
  readonly goodbyes: string[] = [];
  private waiters: Array<() => void> = [];
  private batch = 0;

  constructor(
    readonly server: DirectordServer,
    readonly identity: string,
    readonly options: FakeAgentOptions = {},
  ) {
    this.socket = io(`${server.url}/agent`, {
      transports: ['websocket'],
      auth: { identity, key: options.key ?? server.agentKey },
      reconnection: false,
      forceNew: true,
    });
    this.socket.on('job:dispatch', (jobs, ack) => {
      this.dispatched.push(...jobs);
      if (options.autoAck !== false) ack({ ok: true, value: { accepted: jobs.length } });
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('job:cancel', (ids) => this.cancelled.push(...ids));
    this.socket.on('agent:goodbye', (reason) => this.goodbyes.push(reason));
  }

  async connect(): Promise<void> {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        if (this.socket.connected) return resolve();
        this.socket.once('connect', () => resolve());
        this.socket.once('connect_error', (e) => reject(e));
      }),
      5000,
      `agent ${this.identity} connect`,
    );
  }

  helloPayload(overrides: Partial<AgentHello> = {}): AgentHello {
    return {
      protocolVersion: PROTOCOL_VERSION,
      identity: this.identity,
      machineId: this.options.machineId ?? `machine-${this.identity}`,
      agentVersion: '0.0.0-test',
      facts: {
        hostname: this.identity,
        os: 'Test OS',
        platform: 'linux',
        release: '1',
        arch: 'x64',
        cores: 2,
        memoryBytes: 1024,
        nodeVersion: 'v20',
        hostUptimeS: 1,
      },
      components: [{ verb: 'RUN', summary: 'run', args: {}, cacheable: true, requiresLock: false, builtin: true }],
      activeJobs: this.options.activeJobs ?? [],
      startedAt: Date.now(),
      ...overrides,
    };
  }

  async hello(overrides: Partial<AgentHello> = {}): Promise<Result<AgentWelcome>> {
    await this.connect();
    return withTimeout(this.socket.emitWithAck('agent:hello', this.helloPayload(overrides)), 5000, 'hello ack');
  }

  /** Connects and says hello; throws when refused. */
  async start(): Promise<AgentWelcome> {
    const r = await this.hello();
    if (!r.ok) throw new Error(`hello refused: ${r.error.code} ${r.error.message}`);
    return r.value;
  }

  heartbeat(): void {
    this.socket.emit('agent:heartbeat', { at: Date.now(), hostUptimeS: 1, agentUptimeS: 1, running: 0, queued: 0 });
  }

  async send(events: JobEvent[], batch = this.batch++, sentAt?: number): Promise<Result<{ applied: number }>> {
    return withTimeout(
      this.socket.emitWithAck('job:events', { batch, events, ...(sentAt !== undefined ? { sentAt } : {}) }),
      5000,
      'events ack',
    );
  }

  /** Waits until at least `n` jobs were dispatched to this agent. */
  async waitForJobs(n: number, ms = 5000): Promise<DispatchedJob[]> {
    await withTimeout(
      (async () => {
        while (this.dispatched.length < n) await new Promise<void>((r) => this.waiters.push(r));
      })(),
      ms,
      `${n} jobs on ${this.identity}`,
    );
    return this.dispatched;
  }

  /** Runs one dispatched job the simple way: started, stdout, finished. */
  async complete(
    job: DispatchedJob,
    outcome: 'succeeded' | 'failed' | 'timed-out' = 'succeeded',
    stdout = `ran ${job.jobId}\n`,
  ): Promise<void> {
    const now = Date.now();
    const r = await this.send([
      { type: 'started', jobId: job.jobId, at: now },
      { type: 'output', jobId: job.jobId, stream: 'stdout', seq: 0, data: stdout },
      {
        type: 'finished',
        jobId: job.jobId,
        outcome,
        info: outcome === 'succeeded' ? 'task finished' : 'task failed',
        exitCode: outcome === 'succeeded' ? 0 : 1,
        executionTime: 0.25,
        startedAt: now,
        finishedAt: now,
        stdoutChunks: 1,
        stderrChunks: 0,
      },
    ]);
    if (!r.ok) throw new Error(`events refused: ${r.error.message}`);
  }

  close(): void {
    this.socket.close();
  }
}
