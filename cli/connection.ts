/**
 * The CLI's one connection to the server: socket.io-client on `${url}/ui`, websocket only,
 * handshake `auth: {token, client: 'cli'}` (docs/design.md). Requests resolve to the server's
 * `Result`; a lost connection or a missing answer becomes a `Result` error too, so commands
 * handle every failure in one place.
 */
import { io, type Socket } from 'socket.io-client';
import type { Ack, Result } from '../protocol/result.js';
import type { ServerToUiEvents, UiToServerEvents } from '../protocol/ui-events.js';
import type { Endpoint } from './discovery.js';
import { staleServerMessage, startHint } from './discovery.js';
import { CliError } from './errors.js';

type Events = UiToServerEvents;
export type RequestEvent = keyof Events;
/** The arguments of a request event, without its ack. */
export type RequestArgs<E extends RequestEvent> = Events[E] extends (...args: infer A) => void ? (A extends [...infer P, Ack<infer _T>] ? P : never) : never;
/** What a request event's ack carries on success. */
export type RequestValue<E extends RequestEvent> = Events[E] extends (...args: [...infer _P, Ack<infer T>]) => void ? T : never;

export type UiClient = Readonly<{
  request<E extends RequestEvent>(event: E, timeoutMs: number, ...args: RequestArgs<E>): Promise<Result<RequestValue<E>>>;
  close(): void;
}>;

/** Short requests (lists, purge, submit) wait this long for an answer. */
export const REQUEST_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 5_000;

type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;
type RawEmit = (event: string, ...args: unknown[]) => void;

function describeConnectError(endpoint: Endpoint, error: Error): string {
  const { url, dataDir } = endpoint;
  const detail = error as Error & { type?: string; data?: unknown; description?: unknown };
  const data = typeof detail.data === 'object' && detail.data !== null ? (detail.data as Record<string, unknown>) : {};
  const code = typeof data.code === 'string' ? data.code : '';
  const text = `${error.message} ${code}`;
  if (detail.type === 'TransportError' || /ECONNREFUSED|websocket error|xhr poll error/i.test(error.message)) {
    return staleServerMessage(dataDir, { url, port: 0, pid: endpoint.pid }, `connection to ${url} refused`);
  }
  if (error.message === 'timeout') return `The Directord server at ${url} (data dir ${dataDir}) did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  if (/unauthori[sz]ed|forbidden|token/i.test(text)) {
    return `The Directord server at ${url} refused the token in ${dataDir}/ui.token (${error.message}); is ${dataDir} the data dir this server was started with? (or ${startHint(dataDir)})`;
  }
  if (/protocol-mismatch/i.test(text)) return `The Directord server at ${url} speaks another protocol version: ${error.message}`;
  return `Cannot connect to the Directord server at ${url} (data dir ${dataDir}): ${error.message}`;
}

export function connectUi(endpoint: Endpoint): Promise<UiClient> {
  const socket: UiSocket = io(`${endpoint.url}/ui`, {
    transports: ['websocket'],
    auth: { token: endpoint.token, client: 'cli' },
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
  });
  const pending = new Map<number, (result: Result<never>) => void>();
  let seq = 0;
  let lost: string | null = null;

  socket.on('disconnect', (reason) => {
    lost = `connection to the server lost (${reason})`;
    for (const settle of [...pending.values()]) settle({ ok: false, error: { code: 'internal', message: lost } });
    pending.clear();
  });

  const client: UiClient = {
    request<E extends RequestEvent>(event: E, timeoutMs: number, ...args: RequestArgs<E>): Promise<Result<RequestValue<E>>> {
      return new Promise((resolve) => {
        if (lost) return resolve({ ok: false, error: { code: 'internal', message: lost } });
        const id = ++seq;
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: { code: 'timeout', message: `the server did not answer ${event} within ${Math.round(timeoutMs / 1000)} s` } });
        }, timeoutMs);
        const settle = (result: Result<RequestValue<E>>) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(result);
        };
        pending.set(id, settle as (result: Result<never>) => void);
        (socket.emit as unknown as RawEmit).call(socket, event, ...args, settle);
      });
    },
    close() {
      socket.removeAllListeners();
      socket.close();
    },
  };

  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(client);
    });
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new CliError(describeConnectError(endpoint, error)));
    });
  });
}

/** Unwraps a request result, turning an error into a CliError (exit 1) with the server's message. */
export function unwrap<T>(result: Result<T>, what: string): T {
  if (result.ok) return result.value;
  throw new CliError(`${what}: ${result.error.message}`);
}
