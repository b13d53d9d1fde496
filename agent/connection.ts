/**
 * The agent's Socket.IO link to the server's `/agent` namespace: websocket only, key in the
 * handshake, jittered exponential reconnects, `agent:hello` on every connect, heartbeats at the
 * interval the server asks for, and the event handlers wired to the job manager and outbox.
 */
import { io, type Socket } from 'socket.io-client';
import { AGENT_NAMESPACE, type AgentToServerEvents, type ServerToAgentEvents } from '../protocol/agent-events.js';
import type { AgentHello, AgentWelcome, Heartbeat } from '../protocol/agents.js';
import type { JobEventBatch } from '../protocol/jobs.js';
import type { Logger } from '../protocol/log.js';
import { isResult, type RequestArgsOf, type RequestValueOf, type Result } from '../protocol/result.js';
import type { CacheStates } from '../protocol/plan.js';
import { FATAL_AGENT_CODES } from '../protocol/enrolment.js';
import type { SendResult } from './outbox/outbox.js';
import { certificateChangedMessage, pinnedAgent } from './tls-pin.js';

type AgentSocket = Socket<ServerToAgentEvents, AgentToServerEvents>;

export type ConnectionOptions = Readonly<{
  serverUrl: string;
  /** Re-read on connection failures (e.g. server.json): a server restarted on another port is found again. */
  discoverServerUrl?: () => string | undefined;
  identity: string;
  /** The local agents' key (DATA_DIR/agent.key); ignored when `credential` is given. */
  key?: string;
  /** This agent's own credential from enrolment (issue #5). */
  credential?: string;
  /** TLS: the certificate fingerprint to require (re-read on every connection attempt); `file` is named in the refusal. */
  pin?: Readonly<{ expected: () => string | undefined; file?: string }>;
  /** The server refused this agent for good (revoked, changed certificate, …): it stopped; the caller should exit. */
  onFatal?(code: string, message: string): void;
  log: Logger;
  hello(): AgentHello;
  heartbeat(): Heartbeat;
  /** Hello accepted: the link may carry job events now. */
  onReady(send: (batch: JobEventBatch) => Promise<SendResult>): void;
  /** The server's welcome (its output cap, …), before `onReady`. */
  onWelcome?(welcome: AgentWelcome): void;
  onDown(): void;
  onDispatch(jobs: unknown): Result<{ accepted: number }>;
  onCancel(jobIds: unknown): void;
  /** `cache:query`: read the job cache only (a plan). */
  onCacheQuery?(query: unknown): Result<CacheStates>;
  /** `component:install`: store, import and register a user component. */
  onInstall?(install: unknown): Promise<Result<{ verb: string; hash: string }>>;
}>;

/** Requests the agent makes to the server (answered with a Result). */
export type AgentRequest = 'blob:get' | 'jobs:state';

export type Connection = Readonly<{
  /**
   * Sends a request once connected and greeted; resolves with the server's Result (errors of the
   * link become Results too). Rejects only when `signal` aborts first.
   */
  request<E extends AgentRequest>(
    event: E,
    payload: RequestArgsOf<AgentToServerEvents, E>[0],
    signal?: AbortSignal,
  ): Promise<Result<RequestValueOf<AgentToServerEvents, E>>>;
  ready(): boolean;
  whenReady(): Promise<void>;
  connects(): number;
  close(): void;
}>;

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;
const ACK_TIMEOUT_MS = 30_000;
const MIN_HEARTBEAT_MS = 100;

/** Jittered exponential delay for reconnects we have to schedule ourselves. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.5 + random()));
}

export function connect(options: ConnectionOptions): Connection {
  const { log } = options;
  let serverUrl = options.serverUrl;
  let pinMismatch: string | null = null;
  const tlsAgent = (url: string) =>
    url.startsWith('https:') && options.pin
      ? pinnedAgent({
          expected: () => options.pin?.expected(),
          onMismatch: (expected, presented) => (pinMismatch = certificateChangedMessage(url, expected, presented, options.pin?.file)),
        })
      : undefined;
  const open = (url: string, agent = tlsAgent(url)): AgentSocket =>
    io(`${url.replace(/\/+$/, '')}${AGENT_NAMESPACE}`, {
      transports: ['websocket'],
      auth:
        options.credential !== undefined
          ? { identity: options.identity, credential: options.credential }
          : { identity: options.identity, key: options.key ?? '' },
      ...(agent ? { agent: agent as unknown as string } : {}),
      reconnection: true,
      reconnectionDelay: RECONNECT_MIN_MS,
      reconnectionDelayMax: RECONNECT_MAX_MS,
      randomizationFactor: 0.5,
      autoConnect: false,
    });
  let socket: AgentSocket = open(serverUrl);
  let isReady = false;
  let closed = false;
  let connectCount = 0;
  let manualAttempts = 0;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let readyWaiters: Array<() => void> = [];

  /** Stops for good: retrying cannot help until an operator acts (logged once, reported to the caller). */
  const fatal = (code: string, message: string) => {
    if (closed) return;
    log.error(`the server refused this agent (${code}): ${message}; not retrying`);
    closed = true;
    clearTimeout(retryTimer);
    goDown();
    socket.disconnect();
    options.onFatal?.(code, message);
  };

  /** Reconnects that socket.io leaves to us (refused by middleware, server-side disconnect, bad hello). */
  const reconnectLater = () => {
    if (closed || retryTimer) return;
    const delay = backoffDelay(manualAttempts++);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!closed && !socket.connected) socket.connect();
    }, delay);
  };

  const send = async (batch: JobEventBatch): Promise<SendResult> => {
    if (!socket.connected) return { ok: false, retry: true, message: 'not connected' };
    try {
      const result = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('job:events', batch);
      if (result.ok) return { ok: true };
      const retry = result.error.code !== 'invalid-payload' && result.error.code !== 'too-large';
      return { ok: false, retry, message: `${result.error.code}: ${result.error.message}` };
    } catch (error) {
      return { ok: false, retry: true, message: error instanceof Error ? error.message : String(error) };
    }
  };

  const goDown = () => {
    clearInterval(heartbeatTimer);
    heartbeatTimer = undefined;
    if (isReady) {
      isReady = false;
      options.onDown();
    }
  };

  const sayHello = async () => {
    let result: Result<AgentWelcome>;
    try {
      result = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('agent:hello', options.hello());
    } catch (error) {
      log.warn('agent:hello got no answer; reconnecting', { error: error instanceof Error ? error.message : String(error) });
      socket.disconnect();
      reconnectLater();
      return;
    }
    if (!socket.connected || closed) return;
    if (!result.ok) {
      const { code, message } = result.error;
      if (FATAL_AGENT_CODES.has(code) || (options.credential !== undefined && code === 'forbidden')) return fatal(code, message);
      if (code === 'protocol-mismatch') log.error(`the server refused this agent: protocol mismatch: ${message}`);
      else if (code === 'unauthorized') log.error(`the server refused this agent: unauthorized: ${message}`);
      else log.error(`the server refused agent:hello (${code}): ${message}`);
      socket.disconnect();
      reconnectLater();
      return;
    }
    manualAttempts = 0;
    isReady = true;
    connectCount += 1;
    // The server expires an agent after 3 of its intervals without a heartbeat, so beat at the
    // interval it asks for; the floor only guards against nonsense (a 1 s floor made every
    // healthy agent of a server configured below 334 ms expire and lose its running jobs).
    const interval = Math.max(MIN_HEARTBEAT_MS, result.value.heartbeatIntervalMs || 30_000);
    clearInterval(heartbeatTimer);
    heartbeatTimer = setInterval(() => {
      if (socket.connected) socket.emit('agent:heartbeat', options.heartbeat());
    }, interval);
    log.info('connected', { server: serverUrl, serverVersion: result.value.serverVersion, redispatched: result.value.redispatched });
    options.onWelcome?.(result.value);
    options.onReady(send);
    const waiters = readyWaiters;
    readyWaiters = [];
    for (const w of waiters) w();
  };

  const wire = (sock: AgentSocket): void => {
    sock.on('connect', () => {
      void sayHello();
    });
    sock.on('disconnect', (reason) => {
      goDown();
      if (closed) return;
      log.warn('disconnected from the server', { reason });
      // socket.io reconnects by itself except after a server-side or our own disconnect.
      if (reason === 'io server disconnect') reconnectLater();
    });
    sock.on('connect_error', (error: Error & { data?: { code?: string; message?: string } }) => {
      if (closed) return;
      if (pinMismatch) return fatal('certificate-changed', pinMismatch);
      const refusal = error.data?.code;
      if (refusal && (FATAL_AGENT_CODES.has(refusal) || (refusal === 'unauthorized' && options.credential !== undefined))) {
        return fatal(refusal, error.data?.message ?? error.message);
      }
      const discovered = options.discoverServerUrl?.();
      if (discovered && discovered !== serverUrl) {
        log.info('the server moved; connecting to its new address', { from: serverUrl, to: discovered });
        serverUrl = discovered;
        sock.removeAllListeners();
        sock.disconnect();
        socket = open(serverUrl);
        wire(socket);
        socket.connect();
        return;
      }
      const code = error.data?.code;
      if (code === 'unauthorized') log.error(`the server refused this agent: unauthorized: ${error.data?.message ?? error.message}`);
      else log.warn('cannot reach the server; retrying', { server: serverUrl, error: error.message });
      if (!sock.active) reconnectLater();
    });
    sock.on('job:dispatch', (jobs: unknown, ack: unknown) => {
      const result = options.onDispatch(jobs);
      if (typeof ack === 'function') (ack as (r: Result<{ accepted: number }>) => void)(result);
    });
    sock.on('job:cancel', (jobIds: unknown) => options.onCancel(jobIds));
    sock.on('cache:query', (query: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const result: Result<CacheStates> = options.onCacheQuery
        ? options.onCacheQuery(query)
        : { ok: false, error: { code: 'unknown-verb', message: 'this agent does not answer cache queries' } };
      (ack as (r: Result<CacheStates>) => void)(result);
    });
    sock.on('component:install', (install: unknown, ack: unknown) => {
      const reply = (r: Result<{ verb: string; hash: string }>) => {
        if (typeof ack === 'function') (ack as (r: Result<{ verb: string; hash: string }>) => void)(r);
      };
      if (!options.onInstall)
        return reply({ ok: false, error: { code: 'unknown-verb', message: 'this agent does not take user components' } });
      void options
        .onInstall(install)
        .then(reply, (error: unknown) => reply({ ok: false, error: { code: 'internal', message: String(error) } }));
    });
    sock.on('agent:revoked', (notice: unknown) => {
      const reason =
        typeof (notice as { reason?: unknown } | null)?.reason === 'string'
          ? (notice as { reason: string }).reason
          : 'revoked by an operator';
      fatal('revoked', reason.slice(0, 1000));
    });
    sock.on('agent:goodbye', (reason: unknown) => log.info('the server said goodbye', { reason: String(reason).slice(0, 500) }));
  };
  wire(socket);
  if (options.pin?.expected() !== undefined && !serverUrl.startsWith('https:')) {
    // A pinned agent never falls back to plain HTTP (that would hand its credential to anyone).
    setImmediate(() =>
      fatal(
        'certificate-changed',
        `${serverUrl} is plain HTTP but this agent pinned a TLS certificate at enrolment; use the server's https:// URL`,
      ),
    );
  } else {
    socket.connect();
  }

  const whenReady = (): Promise<void> => (isReady ? Promise.resolve() : new Promise<void>((resolve) => readyWaiters.push(resolve)));

  return {
    async request(event, payload, signal) {
      if (!isReady) {
        await new Promise<void>((resolve, reject) => {
          const onAbort = () => reject(new Error(`aborted: ${String(signal?.reason)}`));
          if (signal?.aborted) return onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
          void whenReady().then(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      }
      try {
        // Sent through Socket.IO's default (untyped) view of the same socket: its types cannot follow a
        // generic event through timeout(); the request is typed by this method's signature instead.
        const wire: Socket = socket;
        const reply: unknown = await wire.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
        return isResult<RequestValueOf<AgentToServerEvents, typeof event>>(reply)
          ? reply
          : { ok: false, error: { code: 'internal', message: `${event}: unexpected reply` } };
      } catch (error) {
        return { ok: false, error: { code: 'timeout', message: `${event}: ${error instanceof Error ? error.message : String(error)}` } };
      }
    },
    ready: () => isReady,
    whenReady,
    connects: () => connectCount,
    close: () => {
      closed = true;
      clearTimeout(retryTimer);
      goDown();
      socket.disconnect();
      socket.removeAllListeners();
    },
  };
}
