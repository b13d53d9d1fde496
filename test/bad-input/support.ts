/**
 * The bad-input table's support (not a test file): a real server process and two real agents
 * (test/integration/harness.ts), a raw `/agent` client that sends whatever a case needs, and
 * {@link undisturbed}, which every case runs after its bad input: a normal job on both agents
 * still succeeds with its output, both agents are still online and the server process is alive.
 */
import assert from 'node:assert/strict';
import { io, type Socket } from 'socket.io-client';
import type { AgentToServerEvents, ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { AgentHello } from '../../protocol/agents.js';
import type { RunSubmission } from '../../protocol/jobs.js';
import type { Result } from '../../protocol/result.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { ask, Cluster, marker, req, withTimeout, type ClusterOptions } from '../integration/harness.js';

export const AGENTS = ['b1', 'b2'] as const;

export function startCluster(options: Omit<ClusterOptions, 'agents'> = {}): Promise<Cluster> {
  return Cluster.start({ ...options, agents: [...AGENTS] });
}

/** Submits one RUN on both agents over `/ui` and returns its job id and Result. */
export async function submitRun(c: Cluster, command: string, targets: readonly string[] = AGENTS): Promise<string> {
  const submission: RunSubmission = {
    kind: 'exec',
    entries: [{ jobs: [{ verb: 'RUN', text: command }] }],
    targets: [...targets],
    requestedBy: 'bad-input-test',
  };
  const submitted = await req(c.ui, 'runs:submit', submission);
  const id = submitted.jobs[0]?.jobId;
  assert.ok(id, 'a job id');
  return id;
}

/** After a case: a normal job still runs on every agent, agents are online, the server is alive. */
export async function undisturbed(c: Cluster): Promise<void> {
  assert.ok(c.server?.running, `the server process is alive\n${c.logs()}`);
  const m = marker();
  const id = await submitRun(c, `--skip-cache echo undisturbed-${m}`);
  const [job] = await c.await([id], 20_000);
  assert.deepEqual(
    job?.targets.map((t) => [t.target, t.state]),
    AGENTS.map((a) => [a, 'succeeded']),
    `a normal job after the bad input\n${c.logs()}`,
  );
  for (const a of AGENTS) assert.equal((await c.output(id, a)).stdout, `undisturbed-${m}\n`);
  const agents = await req(c.ui, 'agents:list');
  for (const a of AGENTS) assert.equal(agents.find((x) => x.identity === a)?.online, true, `${a} still online`);
}

/** Counts of runs and jobs, to show that a refused submission stored nothing. */
export async function counts(c: Cluster): Promise<{ runs: number; jobs: number }> {
  return { runs: (await req(c.ui, 'runs:list', {})).length, jobs: (await req(c.ui, 'jobs:list', {})).length };
}

export type RawAgent = Socket<ServerToAgentEvents, AgentToServerEvents>;
export type Refusal = { ok: boolean; value?: unknown; error?: { code: string; message: string; location?: { field?: string } } };

/** A raw socket.io client on `/agent`: it speaks whatever the test sends. */
export function rawAgent(c: Cluster, name = `raw-${marker()}`) {
  const identity = name;
  const hello: AgentHello = {
    protocolVersion: PROTOCOL_VERSION,
    identity,
    machineId: `machine-${identity}`,
    agentVersion: 'raw',
    facts: {
      hostname: identity,
      os: 'test',
      platform: 'linux',
      release: '1',
      arch: 'x64',
      cores: 1,
      memoryBytes: 1,
      nodeVersion: process.version,
      hostUptimeS: 1,
    },
    components: [],
    activeJobs: [],
    startedAt: Date.now(),
  };
  const open = (auth: Record<string, unknown> = { identity, key: c.agentKey() }, extra: Record<string, unknown> = {}): RawAgent =>
    io(`${c.url}/agent`, { transports: ['websocket'], auth, reconnection: false, forceNew: true, ...extra });
  /** Connects; resolves with the socket, or rejects with the connect error (its `data` holds {code, message}). */
  const connect = async (auth?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<RawAgent> => {
    const socket = open(auth, extra);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        }),
        5000,
        'raw agent connect',
      );
    } catch (error) {
      socket.close();
      throw error;
    }
    return socket;
  };
  const emit = (socket: RawAgent, event: string, payload: unknown): Promise<Refusal> =>
    withTimeout((socket as unknown as { emitWithAck(e: string, p: unknown): Promise<Refusal> }).emitWithAck(event, payload), 5000, event);
  const disconnected = (socket: RawAgent) =>
    withTimeout(new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason))), 5000, 'server-side drop');
  /** WARN lines the server logged about this identity. */
  const warnings = () => (c.server?.stderr ?? '').split('\n').filter((l) => l.includes(' WARN ') && l.includes(`"identity":"${identity}"`));
  return { identity, hello, connect, emit, disconnected, warnings };
}

/** The connect error's `{code, message}` (socket.io puts it in `data`). */
export async function connectRefusal(attempt: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await attempt;
  } catch (error) {
    return ((error as { data?: { code?: string; message?: string } }).data ?? { message: String(error) }) as {
      code?: string;
      message?: string;
    };
  }
  throw new Error('the connection was accepted');
}

/** A `/ui` request's Result (never throws on a refusal). */
export function askUi(c: Cluster, event: string, payload: unknown): Promise<Result<unknown>> {
  return (ask as unknown as (ui: unknown, e: string, p: unknown) => Promise<Result<unknown>>)(c.ui, event, payload);
}
