/**
 * Connection state (for the banner) and typed requests: every call is
 * `socket.timeout(ms).emitWithAck(...)` and comes back as a Result, never a throw.
 */
import { fail, isResult, type Result } from '#protocol/result.js';
import type { ServerToUiEvents, UiRequestArgs, UiRequestValue, UiToServerEvents } from '#protocol/ui-events.js';
import { createSocket, isAuthError, rememberToken, resolveEndpoint, type Endpoint, type UiSocket, type WireSocket } from './connection.js';

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'unauthorized';

type AckValue<E extends keyof UiToServerEvents> = UiRequestValue<E>;
type RequestArgs<E extends keyof UiToServerEvents> = UiRequestArgs<E>;
type Listener<E extends keyof ServerToUiEvents> = ServerToUiEvents[E];

const DEFAULT_TIMEOUT_MS = 15_000;

export class ApiClient {
  status = $state<ConnectionStatus>('idle');
  message = $state('');
  /** Increments on every (re)connect so stores know to reload. */
  epoch = $state(0);
  #socket: UiSocket | null = null;
  /** The same socket, for sending requests (see WireSocket). */
  #wire: WireSocket | null = null;
  #endpoint: Endpoint | null = null;
  #handlers: Array<(socket: UiSocket) => void> = [];
  #onConnect: Array<() => void> = [];

  async start(): Promise<void> {
    if (this.#socket) return;
    this.status = 'connecting';
    try {
      this.#endpoint = await resolveEndpoint();
    } catch (error) {
      this.status = 'disconnected';
      this.message = `Cannot find the server: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    this.#open(this.#endpoint);
  }

  #open(endpoint: Endpoint): void {
    const wire = createSocket(endpoint);
    const socket: UiSocket = wire;
    this.#wire = wire;
    this.#socket = socket;
    for (const attach of this.#handlers) attach(socket);
    socket.on('connect', () => {
      this.status = 'connected';
      this.message = '';
      this.epoch++;
      for (const fn of this.#onConnect) fn();
    });
    socket.on('disconnect', (reason) => {
      this.status = 'disconnected';
      this.message = reason === 'io server disconnect' ? 'The server closed the connection.' : `Connection lost (${reason}).`;
      if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1000);
    });
    socket.on('connect_error', (error) => {
      if (isAuthError(error)) {
        this.status = 'unauthorized';
        this.message = 'The server refused the access token.';
        return;
      }
      this.status = 'disconnected';
      this.message = `Cannot reach the server (${error.message}).`;
      if (!socket.active) setTimeout(() => socket.connect(), 2000);
    });
    socket.connect();
  }

  /** Reconnects with a new token (typed into the banner). */
  useToken(token: string): void {
    rememberToken(token);
    const url = this.#endpoint?.url ?? window.location.origin;
    this.#socket?.removeAllListeners();
    this.#socket?.disconnect();
    this.#endpoint = { url, token };
    this.status = 'connecting';
    this.#open(this.#endpoint);
  }

  retry(): void {
    if (!this.#socket || this.#socket.connected) return;
    this.status = 'connecting';
    this.#socket.connect();
  }

  /** Subscribes to a server event for the life of the app (re-attached if the socket is replaced). */
  on<E extends keyof ServerToUiEvents>(event: E, listener: Listener<E>): void {
    const attach = (socket: UiSocket) => {
      (socket.on as (e: string, l: (...args: never[]) => void) => void)(event, listener as (...args: never[]) => void);
    };
    this.#handlers.push(attach);
    if (this.#socket) attach(this.#socket);
  }

  /** Runs `fn` on every successful (re)connect. */
  onConnect(fn: () => void): void {
    this.#onConnect.push(fn);
    if (this.status === 'connected') fn();
  }

  async request<E extends keyof UiToServerEvents>(event: E, ...args: RequestArgs<E>): Promise<Result<AckValue<E>>> {
    return this.requestWithTimeout(DEFAULT_TIMEOUT_MS, event, ...args);
  }

  async requestWithTimeout<E extends keyof UiToServerEvents>(ms: number, event: E, ...args: RequestArgs<E>): Promise<Result<AckValue<E>>> {
    const wire = this.#wire;
    if (!wire || !wire.connected) return fail('agent-offline', 'Not connected to the server');
    try {
      const result: unknown = await wire.timeout(ms).emitWithAck(event, ...args);
      if (!isResult<AckValue<E>>(result)) return fail('internal', `Unexpected reply to ${event}`);
      return result;
    } catch (error) {
      return fail('timeout', `${event}: no answer from the server (${error instanceof Error ? error.message : String(error)})`);
    }
  }
}

export const client = new ApiClient();
