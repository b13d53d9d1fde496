/**
 * Plain HTTP on the Socket.IO server's port: `/healthz`, the CLI's `/api/ui/<event>` requests
 * (ui-api.ts), and the console behind the UI token (`/?token=T` sets a cookie and redirects to `/`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import type { AgentInfo } from '../../protocol/agents.js';
import type { Logger } from '../../protocol/log.js';
import { readCookie, TOKEN_COOKIE, tokenCookie } from '../util/cookies.js';
import { createUiAccess, type UiAccess } from '../auth/roles.js';
import { notBuiltPage, unauthorizedPage } from './pages.js';
import { resolveStatic, sendFile } from './static.js';

export type HttpDeps = Readonly<{
  uiToken: string;
  /** Role check and sessions (server/auth/roles.ts): only the console token opens the console; default: `uiToken` alone. */
  access?: UiAccess;
  /** The listener speaks TLS: the session cookie gets `Secure`. */
  secure?: boolean;
  staticDir?: string;
  serverVersion: string;
  startedAt: number;
  clock: () => number;
  agents: () => AgentInfo[];
  log: Logger;
  /** `POST /api/ui/<event>` (the CLI's requests), answered before the console's token check. */
  uiApi?: (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;
  /** Sign-in, sign-out, session, password (issue #18: server/auth/auth.routes.ts), answered before the console's check. */
  authRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
  /** Whether the request's cookies hold a signed-in user's session (issue #18), besides a ui.token session. */
  userSession?: (req: IncomingMessage) => boolean;
}>;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function createHttpHandler(deps: HttpDeps) {
  const access = deps.access ?? createUiAccess({ consoleToken: deps.uiToken, cliToken: '' });
  const isConsole = (presented: unknown): boolean => access.authorize(presented, 'http-console').ok;
  const hasSession = (req: IncomingMessage): boolean =>
    access.authorizeSession(readCookie(req.headers.cookie, TOKEN_COOKIE), 'http-console').ok || deps.userSession?.(req) === true;
  const html = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
    res.end(body);
  };
  const text = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body + '\n');
  };

  return function handle(req: IncomingMessage, res: ServerResponse): void {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return text(res, 400, 'bad request');
    }
    if (deps.uiApi?.(req, res, url.pathname)) return;
    if (deps.authRoutes?.(req, res, url)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return text(res, 405, 'method not allowed');
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ status: 'ok', version: deps.serverVersion, uptimeS: Math.round((deps.clock() - deps.startedAt) / 1000) }));
      return;
    }
    const presented = url.searchParams.get('token');
    if (presented !== null) {
      if (!isConsole(presented)) {
        deps.log.warn('console access refused: wrong token in URL', { address: req.socket.remoteAddress });
        return html(res, 401, unauthorizedPage());
      }
      url.searchParams.delete('token');
      // The cookie holds a fresh session secret, never the token (a browser already signed in keeps its session).
      const headers: Record<string, string> = { Location: url.pathname + url.search, 'Cache-Control': 'no-store' };
      if (!hasSession(req)) headers['Set-Cookie'] = tokenCookie(access.issueSession(), deps.secure === true);
      res.writeHead(302, headers);
      res.end();
      return;
    }
    if (!hasSession(req)) {
      return url.pathname === '/' || extname(url.pathname) === '' || extname(url.pathname) === '.html'
        ? html(res, 401, unauthorizedPage())
        : text(res, 401, 'unauthorized');
    }
    const head = req.method === 'HEAD';
    if (!deps.staticDir) {
      return url.pathname === '/' ? html(res, 200, notBuiltPage(deps.agents(), deps.serverVersion)) : text(res, 404, 'not found');
    }
    const file = resolveStatic(deps.staticDir, url.pathname) ?? (extname(url.pathname) === '' ? resolveStatic(deps.staticDir, '/') : null);
    if (!file) return text(res, 404, 'not found');
    sendFile(res, file, head);
  };
}
