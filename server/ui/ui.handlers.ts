/**
 * The `/ui` namespace (console and CLI): token check, then every request of
 * protocol/ui-events.ts answered from the shared request table (ui.requests.ts), plus
 * `ui:subscribe`, the one request that needs the socket itself.
 */
import type { Socket } from 'socket.io';
import { ok, type Result } from '../../protocol/result.js';
import type { Principal } from '../../protocol/teams.js';
import type { ServerToUiEvents, UiSocketData, UiToServerEvents } from '../../protocol/ui-events.js';
import { readCookie, TOKEN_COOKIE } from '../util/cookies.js';
import type { UiAccess } from '../auth/roles.js';
import { ackOf, guarded } from '../util/wire.js';
import { ALL_OUTPUT_ROOM, outputRoom, type UiNamespace } from './ui.broadcast.js';
import type { Logger } from '../../protocol/log.js';
import { NO_PAYLOAD, type UiRequests } from './ui.requests.js';
import * as v from './ui.schemas.js';

type UiSocket = Socket<UiToServerEvents, ServerToUiEvents, Record<string, never>, UiSocketData>;

export type UiDeps = Readonly<{
  ns: UiNamespace;
  /** Who may connect (console or CLI token; server/auth/roles.ts). */
  access: UiAccess;
  log: Logger;
  /** Shared with the HTTP mirror (server/http/ui-api.ts). */
  requests: UiRequests;
  /** Who the handshake is (issue #18: users, API tokens, CSRF; server/auth/principals.ts); default: `access` alone. */
  identify?: (auth: unknown, cookieHeader: string | undefined) => Result<{ client: string; principal?: Principal }>;
}>;

export function registerUiNamespace(deps: UiDeps): void {
  const { ns, log } = deps;
  const { requests } = deps;

  ns.use((socket, next) => {
    const auth = v.uiAuthValidator.check(socket.handshake.auth) ? socket.handshake.auth : null;
    // A token in `auth` (CLI, desktop app, a pasted token), else the browser's session cookie.
    const principal = deps.identify
      ? deps.identify(socket.handshake.auth, socket.handshake.headers.cookie)
      : auth?.token !== undefined
        ? deps.access.authorize(auth.token, 'ui-socket', auth.client)
        : deps.access.authorizeSession(readCookie(socket.handshake.headers.cookie, TOKEN_COOKIE), 'ui-socket');
    if (!principal.ok) {
      log.warn('ui connection refused: bad token', { address: socket.handshake.address });
      const error = new Error('unauthorized') as Error & { data?: unknown };
      error.data = principal.error;
      next(error);
      return;
    }
    const who = principal.value as { client: string; principal?: Principal };
    socket.data = {
      client: who.client,
      outputOf: null,
      ...(who.principal ? { principal: who.principal } : {}),
      address: socket.handshake.address,
    };
    next();
  });

  ns.on('connection', (socket: UiSocket) => {
    log.debug('ui connected', { client: socket.data.client });
    const caller = {
      get client() {
        return socket.data.client;
      },
      principal: socket.data.principal,
      address: socket.data.address,
    };
    // Requests are answered by name from the shared table, which validates every payload (the wire is
    // untrusted whatever the map says), so one `onAny` listener serves them all: Socket.IO hands it the
    // raw arguments, ack included, with no cast of the typed socket. Unknown events are ignored.
    const known = new Set(requests.events());
    socket.onAny((event: string, ...args: unknown[]) => {
      if (!known.has(event)) return;
      const [payload, ack] = NO_PAYLOAD.has(event) ? [undefined, args[0]] : [args[0], args[1]];
      void requests.handle(event, payload, caller).then(ackOf(ack, log, event));
    });
    socket.on('ui:subscribe', (payload: unknown, ack: unknown) => {
      void guarded(log, 'ui:subscribe', () => subscribe(socket, payload)).then(ackOf<null>(ack, log, 'ui:subscribe'));
    });
  });
}

/** Moves the socket to the output room of one run (or of all runs with '*'), or out of any. */
function subscribe(socket: UiSocket, payload: unknown): Result<null> {
  const request = v.subscribeValidator.parse(payload ?? {}, 'ui:subscribe');
  if (!request.ok) return request;
  const previous = socket.data.outputOf;
  if (previous) void socket.leave(previous === '*' ? ALL_OUTPUT_ROOM : outputRoom(previous));
  const next = request.value.outputOf ?? null;
  socket.data.outputOf = next;
  if (next) void socket.join(next === '*' ? ALL_OUTPUT_ROOM : outputRoom(next));
  return ok(null);
}
