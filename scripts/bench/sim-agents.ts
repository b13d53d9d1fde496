/**
 * Load generator: N simulated agents in this process, each a real Socket.IO client of the
 * server's `/agent` namespace (websocket, `auth: {identity, key}`, `agent:hello` with
 * PROTOCOL_VERSION, facts and the built-in component manifests, heartbeats at the interval the
 * server asks for). They run no commands: a dispatched job produces synthetic output instead.
 *
 * The job's command (RUN's `command`, ECHO's text; other verbs succeed silently) is a tiny
 * program:
 *   lines N [chunk C] [every MS] [stderr]   N numbered lines `line i of N`, C lines per output
 *                                           chunk (default 100), a pause of MS ms between chunks
 *   sleep MS                                succeed after MS ms
 *   fail [CODE]                             one stderr line, then fail with exit CODE (default 1)
 *   echo TEXT / anything else               TEXT (or the command) as one stdout line
 *
 * Events go out as the real agent sends them (started, output chunks with per-stream seq,
 * finished with the chunk counts), in `job:events` batches of at most LIMITS.maxBatchEvents
 * events and ~4 MiB, one batch in flight per agent: the next leaves only after the ack
 * (refused or unanswered batches are sent again; the server applies them idempotently).
 * Non-async jobs of an agent run one after the other, `parentAsync` jobs in a queue per parent;
 * cacheable jobs that succeeded before are answered from an in-memory cache unless skipCache.
 *
 * Used by `npm run bench` (50 hosts in the console phase, 500 in the scale phase: scripts/bench/scale.ts).
 */
import { io, type Socket } from 'socket.io-client';
import { builtinComponents } from '../../components/builtin/index.js';
import { componentManifest } from '../../components/registry.js';
import { AGENT_NAMESPACE, type AgentToServerEvents, type ServerToAgentEvents } from '../../protocol/agent-events.js';
import type { AgentHello, AgentWelcome, ComponentManifest } from '../../protocol/agents.js';
import type { DispatchedJob, JobEvent, JobEventBatch } from '../../protocol/jobs.js';
import type { Result } from '../../protocol/result.js';
import { LIMITS, PROTOCOL_VERSION } from '../../protocol/version.js';

type AgentSocket = Socket<ServerToAgentEvents, AgentToServerEvents>;

export type SimAgentsOptions = Readonly<{
  serverUrl: string;
  /** The server's agent key (DATA_DIR/agent.key). */
  key: string;
  count: number;
  /** Identities are `${prefix}${i}`, i from 1, zero-padded to the width of `count` (default `sim-`). */
  prefix?: string;
  /** Agents connecting at the same time (default 25). */
  connectConcurrency?: number;
  /** How long start may take before it fails (default 60 s). */
  connectTimeoutMs?: number;
  /** Lines per output chunk when the job does not say (default 100). */
  linesPerChunk?: number;
  /** Manifests announced in `agent:hello` (default: the built-in components). */
  components?: readonly ComponentManifest[];
}>;

export type SimAgentsStats = Readonly<{
  /** Jobs received through job:dispatch (redispatches of known jobs not counted). */
  dispatched: number;
  /** Jobs whose `finished` event was acked by the server. */
  finished: number;
  batches: number;
  events: number;
  outputChunks: number;
  /** Largest batch sent, in events and in bytes of output data. */
  maxBatchEvents: number;
  maxBatchBytes: number;
  /** Largest output chunk, in UTF-8 bytes. */
  maxChunkBytes: number;
  /** Most batches one agent ever had waiting for an ack at once (1 when the protocol is respected). */
  maxInFlight: number;
  /** Batches sent again after a refusal, a timeout or a lost connection. */
  resent: number;
}>;

/** One agent's connection history (times are Date.now() ms). */
export type SimAgentConnection = Readonly<{
  identity: string;
  /** Hellos the server accepted (1 after start, +1 per reconnect). */
  hellos: number;
  /** When the connection was last lost, or null. */
  lastDisconnectAt: number | null;
  /** Reconnection attempts (socket.io `reconnect_attempt`) since the last loss of the connection. */
  attemptsAt: readonly number[];
  /** When the last hello was accepted. */
  readyAt: number | null;
}>;

export type SimAgents = Readonly<{
  identities: readonly string[];
  stats(): SimAgentsStats;
  /** Each agent's connection history (for the reconnect stampede measurement). */
  connections(): SimAgentConnection[];
  /** Resolves when every agent has no job queued or running and nothing waiting for an ack. */
  whenIdle(timeoutMs?: number): Promise<void>;
  /** Waits briefly (≤ 2 s) for unacked events, then disconnects every agent. */
  close(): Promise<void>;
}>;

const ACK_TIMEOUT_MS = 30_000;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a job's command asks the simulated agent to do. */
export type SyntheticProgram =
  | Readonly<{ kind: 'lines'; count: number; perChunk: number; everyMs: number; stream: 'stdout' | 'stderr' }>
  | Readonly<{ kind: 'sleep'; ms: number }>
  | Readonly<{ kind: 'fail'; exitCode: number }>
  | Readonly<{ kind: 'echo'; text: string }>;

/** Reads the synthetic program from a dispatched job (see the file comment). */
export function syntheticProgram(job: Pick<DispatchedJob, 'verb' | 'args'>, linesPerChunk = 100): SyntheticProgram {
  const raw = job.args.command ?? job.args.echo;
  const command = typeof raw === 'string' ? raw.trim() : '';
  const words = command.split(/\s+/);
  const int = (word: string | undefined, fallback: number) => {
    const n = Number.parseInt(word ?? '', 10);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const option = (name: string) => {
    const at = words.indexOf(name);
    return at > 0 ? words[at + 1] : undefined;
  };
  switch (words[0]) {
    case 'lines':
      return {
        kind: 'lines',
        count: int(words[1], 0),
        perChunk: Math.max(1, int(option('chunk'), linesPerChunk)),
        everyMs: int(option('every'), 0),
        stream: words.includes('stderr') ? 'stderr' : 'stdout',
      };
    case 'sleep':
      return { kind: 'sleep', ms: int(words[1], 0) };
    case 'fail':
      return { kind: 'fail', exitCode: int(words[1], 1) || 1 };
    case 'echo':
      return { kind: 'echo', text: words.slice(1).join(' ') };
    default:
      return { kind: 'echo', text: command };
  }
}

/** Line i (1-based) of a `lines N` job; the same text the bench looks for. */
export function syntheticLine(identity: string, i: number, count: number): string {
  return `[${identity}] line ${i} of ${count}`;
}

/** Splits `lines` (each ending in \n) into chunks of at most `perChunk` lines and LIMITS.maxChunkBytes bytes. */
export function chunkLines(lines: readonly string[], perChunk: number, maxBytes: number = LIMITS.maxChunkBytes): string[] {
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line, 'utf8');
    if (parts.length > 0 && (parts.length >= perChunk || bytes + size > maxBytes)) {
      chunks.push(parts.join(''));
      parts = [];
      bytes = 0;
    }
    if (size > maxBytes) {
      // A single line over the limit: cut it (ASCII-safe for the synthetic output).
      for (let at = 0; at < line.length; at += maxBytes) chunks.push(line.slice(at, at + maxBytes));
      continue;
    }
    parts.push(line);
    bytes += size;
  }
  if (parts.length) chunks.push(parts.join(''));
  return chunks;
}

type Counters = { -readonly [K in keyof SimAgentsStats]: SimAgentsStats[K] };

class SimAgent {
  readonly socket: AgentSocket;
  readonly #startedAt = Date.now();
  readonly #outbox: JobEvent[] = [];
  readonly #seen = new Set<string>();
  readonly #active = new Set<string>();
  readonly #cancelled = new Set<string>();
  readonly #failedParents = new Set<string>();
  readonly #cache = new Set<string>();
  readonly #queues = new Map<string, Promise<void>>();
  #ready = false;
  #closed = false;
  #sending = false;
  #inFlight = 0;
  #batch = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #idleWaiters: Array<() => void> = [];
  hellos = 0;
  lastDisconnectAt: number | null = null;
  attemptsAt: number[] = [];
  readyAt: number | null = null;

  constructor(
    readonly identity: string,
    private readonly options: SimAgentsOptions,
    private readonly manifests: readonly ComponentManifest[],
    private readonly counters: Counters,
  ) {
    this.socket = io(`${options.serverUrl.replace(/\/+$/, '')}${AGENT_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { identity, key: options.key },
      forceNew: true,
      autoConnect: false,
      // Jittered exponential backoff like the real agent (agent/connection.ts): 500 ms ± 50 %,
      // doubling up to 5 s, so a restarted server is not hit by every agent at the same instant.
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.5,
    });
    this.socket.io.on('reconnect_attempt', () => void this.attemptsAt.push(Date.now()));
    this.socket.on('job:dispatch', (jobs, ack) => {
      const list = Array.isArray(jobs) ? jobs : [];
      for (const job of list) this.#enqueue(job);
      if (typeof ack === 'function') ack({ ok: true, value: { accepted: list.length } });
    });
    this.socket.on('job:cancel', (ids) => {
      for (const id of Array.isArray(ids) ? ids : []) if (this.#active.has(id)) this.#cancelled.add(id);
    });
    this.socket.on('disconnect', () => {
      this.#ready = false;
      this.lastDisconnectAt = Date.now();
      this.attemptsAt = [];
      clearInterval(this.#heartbeat);
    });
    this.socket.on('connect', () => void this.#hello());
  }

  /** Connects and says hello; resolves once the server accepted it. */
  start(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sim agent ${this.identity}: no accepted hello within ${timeoutMs} ms`)), timeoutMs);
      this.#onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.socket.once('connect_error', (error: Error & { data?: { message?: string } }) => {
        if (error.data?.message) {
          clearTimeout(timer);
          reject(new Error(`sim agent ${this.identity} refused: ${error.data.message}`));
        }
      });
      this.socket.connect();
    });
  }

  #onReady: () => void = () => undefined;

  #helloPayload(): AgentHello {
    return {
      protocolVersion: PROTOCOL_VERSION,
      identity: this.identity,
      machineId: `sim-machine-${this.identity}`,
      agentVersion: '0.0.0-sim',
      facts: {
        hostname: this.identity,
        os: 'Simulated Linux',
        platform: 'linux',
        release: '6.1.0-sim',
        arch: 'x64',
        cores: 4,
        memoryBytes: 8 * 1024 ** 3,
        nodeVersion: process.version,
        hostUptimeS: (Date.now() - this.#startedAt) / 1000 + 3600,
      },
      components: [...this.manifests],
      activeJobs: [...this.#active],
      startedAt: this.#startedAt,
    };
  }

  async #hello(): Promise<void> {
    let result: Result<AgentWelcome>;
    try {
      result = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:hello', this.#helloPayload());
    } catch {
      if (!this.#closed) this.socket.disconnect().connect();
      return;
    }
    if (!result.ok) {
      process.stderr.write(`sim agent ${this.identity}: hello refused: ${result.error.code}: ${result.error.message}\n`);
      return;
    }
    this.#ready = true;
    this.hellos++;
    this.readyAt = Date.now();
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(
      () => {
        if (this.#ready)
          this.socket.emit('agent:heartbeat', {
            at: Date.now(),
            hostUptimeS: (Date.now() - this.#startedAt) / 1000 + 3600,
            agentUptimeS: (Date.now() - this.#startedAt) / 1000,
            running: Math.min(1, this.#active.size),
            queued: Math.max(0, this.#active.size - 1),
          });
      },
      Math.max(1000, result.value.heartbeatIntervalMs || 10_000),
    );
    this.#onReady();
    this.#flush();
  }

  #enqueue(job: DispatchedJob): void {
    if (!job || typeof job.jobId !== 'string' || this.#seen.has(job.jobId)) return;
    this.#seen.add(job.jobId);
    this.#active.add(job.jobId);
    this.counters.dispatched++;
    const queue = job.parentAsync ? `parent:${job.parentId}` : 'general';
    const previous = this.#queues.get(queue) ?? Promise.resolve();
    const next = previous
      .then(() => this.#run(job))
      .catch((error: unknown) => {
        process.stderr.write(`sim agent ${this.identity}: job ${job.jobId} crashed: ${String(error)}\n`);
      });
    this.#queues.set(queue, next);
  }

  async #run(job: DispatchedJob): Promise<void> {
    const startedAt = Date.now();
    const seq = { stdout: 0, stderr: 0 };
    const out = (stream: 'stdout' | 'stderr', data: string) => {
      this.#push({ type: 'output', jobId: job.jobId, stream, seq: seq[stream]++, data });
      this.counters.outputChunks++;
      this.counters.maxChunkBytes = Math.max(this.counters.maxChunkBytes, Buffer.byteLength(data, 'utf8'));
    };
    const finish = (outcome: 'succeeded' | 'failed' | 'cancelled', info: string, exitCode: number | null, cached = false) => {
      if (outcome !== 'succeeded' && outcome !== 'cancelled') this.#failedParents.add(job.parentId);
      if (outcome === 'succeeded' && !cached) this.#cache.add(job.sha);
      const finishedAt = Date.now();
      this.#push({
        type: 'finished',
        jobId: job.jobId,
        outcome,
        info,
        exitCode,
        executionTime: cached ? 0 : (finishedAt - startedAt) / 1000,
        startedAt,
        finishedAt,
        ...(cached ? { cached: true } : {}),
        stdoutChunks: seq.stdout,
        stderrChunks: seq.stderr,
      });
      this.#active.delete(job.jobId);
      this.#cancelled.delete(job.jobId);
    };
    this.#push({ type: 'started', jobId: job.jobId, at: startedAt });
    if (this.#cancelled.has(job.jobId)) return finish('cancelled', 'job cancelled', null);
    if (this.#failedParents.has(job.parentId)) return finish('failed', `parent ${job.parentId} failed on this agent`, null);
    const component = this.manifests.find((m) => m.verb === job.verb);
    if (component?.cacheable && !job.skipCache && this.#cache.has(job.sha)) return finish('succeeded', 'task skipped', 0, true);
    const program = syntheticProgram(job, this.options.linesPerChunk);
    switch (program.kind) {
      case 'lines': {
        const lines = Array.from({ length: program.count }, (_, i) => `${syntheticLine(this.identity, i + 1, program.count)}\n`);
        for (const chunk of chunkLines(lines, program.perChunk)) {
          if (this.#cancelled.has(job.jobId)) return finish('cancelled', 'job cancelled', null);
          out(program.stream, chunk);
          if (program.everyMs > 0) await sleep(program.everyMs);
        }
        return finish('succeeded', `lines ${program.count}`, 0);
      }
      case 'sleep':
        for (let left = program.ms; left > 0; left -= 50) {
          if (this.#cancelled.has(job.jobId)) return finish('cancelled', 'job cancelled', null);
          await sleep(Math.min(50, left));
        }
        return finish('succeeded', `slept ${program.ms} ms`, 0);
      case 'fail':
        out('stderr', `simulated failure (exit ${program.exitCode})\n`);
        return finish('failed', `exit ${program.exitCode}`, program.exitCode);
      case 'echo':
        if (job.verb === 'RUN' || job.verb === 'ECHO') out('stdout', `${program.text}\n`);
        return finish('succeeded', job.verb === 'RUN' ? program.text : 'task finished', 0);
    }
  }

  #push(event: JobEvent): void {
    this.#outbox.push(event);
    this.#flush();
  }

  /** Sends queued events, one batch at a time, each only after the previous one was acked. */
  #flush(): void {
    if (this.#sending || !this.#ready || this.#outbox.length === 0) {
      this.#checkIdle();
      return;
    }
    this.#sending = true;
    // Coalesce what the current event-loop turn produces, as the real agent does.
    setImmediate(() => void this.#sendLoop());
  }

  async #sendLoop(): Promise<void> {
    try {
      while (this.#ready && !this.#closed && this.#outbox.length > 0) {
        let bytes = 0;
        let n = 0;
        while (n < this.#outbox.length && n < LIMITS.maxBatchEvents) {
          const event = this.#outbox[n] as JobEvent;
          const size = event.type === 'output' ? Buffer.byteLength(event.data, 'utf8') : 256;
          if (n > 0 && bytes + size > MAX_BATCH_BYTES) break;
          bytes += size;
          n++;
        }
        const events = this.#outbox.slice(0, n);
        const batch: JobEventBatch = { batch: this.#batch++, events };
        this.#inFlight++;
        this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.#inFlight);
        let result: Result<{ applied: number }> | undefined;
        try {
          result = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('job:events', batch);
        } catch {
          result = undefined;
        } finally {
          this.#inFlight--;
        }
        this.counters.batches++;
        if (!result?.ok) {
          this.counters.resent++;
          if (result && !result.ok)
            process.stderr.write(`sim agent ${this.identity}: batch refused: ${result.error.code}: ${result.error.message}\n`);
          if (result && !result.ok && (result.error.code === 'invalid-payload' || result.error.code === 'too-large'))
            this.#outbox.splice(0, n);
          else await sleep(RETRY_MS);
          continue;
        }
        this.#outbox.splice(0, n);
        this.counters.events += n;
        this.counters.maxBatchEvents = Math.max(this.counters.maxBatchEvents, n);
        this.counters.maxBatchBytes = Math.max(this.counters.maxBatchBytes, bytes);
        this.counters.finished += events.filter((e) => e.type === 'finished').length;
      }
    } finally {
      this.#sending = false;
      this.#checkIdle();
    }
  }

  get idle(): boolean {
    return this.#active.size === 0 && this.#outbox.length === 0 && !this.#sending;
  }

  whenIdle(): Promise<void> {
    return this.idle ? Promise.resolve() : new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #checkIdle(): void {
    if (!this.idle) return;
    for (const w of this.#idleWaiters.splice(0)) w();
  }

  close(): void {
    this.#closed = true;
    this.#ready = false;
    clearInterval(this.#heartbeat);
    this.socket.removeAllListeners();
    this.socket.disconnect();
    for (const w of this.#idleWaiters.splice(0)) w();
  }
}

/** Connects `count` simulated agents (see the file comment); resolves once every hello was accepted. */
export async function startSimAgents(options: SimAgentsOptions): Promise<SimAgents> {
  const prefix = options.prefix ?? 'sim-';
  const width = String(options.count).length;
  const identities = Array.from({ length: options.count }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
  const manifests = options.components ?? builtinComponents.map((c) => componentManifest(c));
  const counters: Counters = {
    dispatched: 0,
    finished: 0,
    batches: 0,
    events: 0,
    outputChunks: 0,
    maxBatchEvents: 0,
    maxBatchBytes: 0,
    maxChunkBytes: 0,
    maxInFlight: 0,
    resent: 0,
  };
  const agents = identities.map((identity) => new SimAgent(identity, options, manifests, counters));
  const closeAll = () => agents.forEach((a) => a.close());
  const timeoutMs = options.connectTimeoutMs ?? 60_000;
  const concurrency = Math.max(1, options.connectConcurrency ?? 25);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, agents.length) }, async () => {
        while (next < agents.length) await (agents[next++] as SimAgent).start(timeoutMs);
      }),
    );
  } catch (error) {
    closeAll();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    identities,
    stats: () => ({ ...counters }),
    connections: () =>
      agents.map((a) => ({
        identity: a.identity,
        hellos: a.hellos,
        lastDisconnectAt: a.lastDisconnectAt,
        attemptsAt: [...a.attemptsAt],
        readyAt: a.readyAt,
      })),
    whenIdle: async (ms = 60_000) => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(agents.map((a) => a.whenIdle())).finally(() => clearTimeout(timer)),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`sim agents not idle after ${ms} ms`)), ms))),
      ]);
    },
    close: () =>
      (closing ??= (async () => {
        await Promise.race([Promise.all(agents.map((a) => a.whenIdle())), sleep(2000)]);
        closeAll();
      })()),
  };
}
