/**
 * The one Socket.IO connection of the console to the server's `/ui` namespace: websocket only,
 * `auth: {token, client: 'console'}`. In a browser the server is the page's origin; the token
 * either arrives as `?token=` (kept in sessionStorage, then removed from the address bar) or
 * was already turned into an HttpOnly cookie by the server's `/?token=` redirect. In Electron
 * both come from the preload bridge.
 */
import { io, type Socket } from 'socket.io-client';
import type { ServerToUiEvents, UiToServerEvents } from '#protocol/ui-events.js';
import { desktop } from '../desktop.js';

export type UiSocket = Socket<ServerToUiEvents, UiToServerEvents>;
/**
 * The same socket as Socket.IO types it by default (any event, any arguments): what requests are sent
 * through, since its types cannot follow a generic event through `timeout()`; the requests are typed by
 * ApiClient.request's signature and their acks checked with protocol's isResult.
 */
export type WireSocket = Socket;
export type Endpoint = Readonly<{ url: string; token: string }>;

const TOKEN_KEY = 'directord.token';

/** Takes `?token=` from the address bar (once), remembers it for this tab, and hides it. */
export function takeTokenFromUrl(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function rememberToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export async function resolveEndpoint(): Promise<Endpoint> {
  const bridge = desktop();
  if (bridge) return bridge.connection();
  return { url: window.location.origin, token: takeTokenFromUrl() };
}

export function createSocket(endpoint: Endpoint): WireSocket {
  return io(`${endpoint.url.replace(/\/$/, '')}/ui`, {
    transports: ['websocket'],
    // No token: the server falls back to its HttpOnly session cookie (set by `/?token=…` or by
    // signing in at /login). A user's session must also show its CSRF token, read from
    // /auth/session on every (re)connect: a page of another origin cannot read that answer.
    auth: endpoint.token
      ? { token: endpoint.token, client: 'console' }
      : (cb: (data: object) => void) => {
          void sessionCsrf().then((csrf) => cb(csrf ? { client: 'console', csrf } : { client: 'console' }));
        },
    autoConnect: false,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    randomizationFactor: 0.5,
  });
}

/** The signed-in user's CSRF token (null for a ui.token session or when signed out). */
export async function sessionCsrf(): Promise<string | null> {
  try {
    const res = await fetch('/auth/session', { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) return null;
    const body = (await res.json()) as { csrf?: unknown };
    return typeof body.csrf === 'string' ? body.csrf : null;
  } catch {
    return null;
  }
}

/** True when a connect error means the token was refused (retrying will not help). */
export function isAuthError(error: Error & { data?: unknown }): boolean {
  const data = error.data as { code?: unknown } | undefined;
  return data?.code === 'unauthorized' || data?.code === 'forbidden' || /unauthori[sz]ed|forbidden|token/i.test(error.message);
}
