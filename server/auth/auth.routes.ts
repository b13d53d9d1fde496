/**
 * The HTTP side of accounts (issue #18): the login page, sign-in and sign-out, the session's own
 * description (with its CSRF token, for the console's `/ui` handshake), password change and the
 * audit export. Pages are rendered here, without the console build, and post plain forms (the CSP
 * allows `form-action 'self'` only). Every state-changing route needs the CSRF token of its form
 * or of the session; a failed sign-in answers 401, which the failed-login limiter counts (lockout).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../protocol/log.js';
import type { SessionInfo } from '../../protocol/teams.js';
import type { AuditLog } from '../audit/audit.service.js';
import { escapeHtml } from '../http/pages.js';
import { readCookie, TOKEN_COOKIE } from '../util/cookies.js';
import { secretMatches } from '../util/secrets.js';
import { SESSION_COOKIE, type Principals } from './principals.js';
import type { Teams } from './teams.service.js';

export type AuthRoutesDeps = Readonly<{
  teams: Teams;
  principals: Principals;
  audit: AuditLog;
  secure: boolean;
  log: Logger;
  /** Absolute session limit, for the cookie's Max-Age. */
  sessionMaxS?: number;
  /** Single sign-on, when configured (oidc.ts): its start and callback routes. */
  sso?: Readonly<{ label: string; handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean }>;
}>;

const LOGIN_COOKIE = 'directord_login';
const MAX_FORM = 16 * 1024;

function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_FORM) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_FORM) return resolve(null);
      const text = Buffer.concat(chunks).toString('utf8');
      const type = String(req.headers['content-type'] ?? '');
      if (type.startsWith('application/json')) {
        try {
          const body = JSON.parse(text) as Record<string, unknown>;
          const form = new URLSearchParams();
          for (const [k, v] of Object.entries(body)) if (typeof v === 'string') form.set(k, v);
          return resolve(form);
        } catch {
          return resolve(null);
        }
      }
      resolve(new URLSearchParams(text));
    });
    req.on('error', () => resolve(null));
  });
}

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.45rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;font:inherit}.error{color:#b42318}.note{color:#555;font-size:13px}</style></head><body>${body}</body></html>
`;

export function createAuthRoutes(deps: AuthRoutesDeps): (req: IncomingMessage, res: ServerResponse, url: URL) => boolean {
  const { teams, principals, audit } = deps;
  // Login forms carry an HMAC of a random nonce that also sits in a cookie (double submit): a form
  // posted from another site has neither.
  const formKey = randomBytes(32);
  const loginMac = (nonce: string) => createHmac('sha256', formKey).update(nonce).digest('hex');
  const secure = deps.secure ? '; Secure' : '';
  const address = (req: IncomingMessage) => req.socket.remoteAddress ?? '';

  const html = (res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}) => {
    // `same-origin`, not the console's `no-referrer`: with no-referrer Chromium posts these forms
    // with `Origin: null`, which the browser gate (rightly) refuses; a same-origin referrer leaks nothing.
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'same-origin',
      ...headers,
    });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const redirect = (res: ServerResponse, to: string, cookies: string[] = []) => {
    res.writeHead(303, { Location: to, 'Cache-Control': 'no-store', ...(cookies.length ? { 'Set-Cookie': cookies } : {}) });
    res.end();
  };

  const loginPage = (res: ServerResponse, status: number, error = '', name = '') => {
    const nonce = randomBytes(16).toString('hex');
    const sso = deps.sso ? `<p><a href="/auth/oidc/start">Sign in with ${escapeHtml(deps.sso.label)}</a></p>` : '';
    html(
      res,
      status,
      page(
        'Sign in: Directord Console',
        `<h1>Directord Console</h1>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/auth/login"><input type="hidden" name="csrf" value="${loginMac(nonce)}">
<label for="name">User name</label><input id="name" name="name" autocomplete="username" required value="${escapeHtml(name)}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>${sso}
<p class="note">The local admin opens the console with the link the server printed (<code>?token=…</code>).</p>`,
      ),
      { 'Set-Cookie': `${LOGIN_COOKIE}=${nonce}; Path=/auth/login; HttpOnly; SameSite=Strict; Max-Age=3600${secure}` },
    );
  };

  const accountPage = (res: ServerResponse, user: string, csrf: string, message = '', status = 200) =>
    html(
      res,
      status,
      page(
        'Account: Directord Console',
        `<h1>${escapeHtml(user)}</h1>${message ? `<p role="status">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/auth/password"><input type="hidden" name="csrf" value="${csrf}">
<label for="current">Current password</label><input id="current" name="current" type="password" autocomplete="current-password" required>
<label for="next">New password (12 characters or more)</label><input id="next" name="next" type="password" autocomplete="new-password" minlength="12" required>
<button type="submit">Change password</button></form>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Sign out</button></form>
<p><a href="/">Back to the console</a></p>`,
      ),
    );

  const sessionCookie = (secret: string) =>
    `${SESSION_COOKIE}=${secret}; Path=/; HttpOnly; SameSite=Strict${deps.sessionMaxS ? `; Max-Age=${deps.sessionMaxS}` : ''}${secure}`;
  const clear = (name: string, path = '/') => `${name}=; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=0${secure}`;

  return (req, res, url) => {
    const path = url.pathname;
    if (deps.sso?.handle(req, res, url)) return true;
    if (path === '/login' && (req.method === 'GET' || req.method === 'HEAD')) {
      loginPage(res, 200);
      return true;
    }
    if (path === '/auth/session' && req.method === 'GET') {
      const who = principals.cookie(req.headers.cookie);
      if (!who) json(res, 401, { ok: false, error: { code: 'unauthorized', message: 'not signed in' } });
      else {
        const info: SessionInfo = {
          user: who.principal.user,
          role: who.principal.role,
          scope: who.principal.scope,
          csrf: who.session?.csrf ?? null,
          local: who.principal.local,
          mustChangePassword: who.session?.user.mustChange ?? false,
        };
        json(res, 200, info);
      }
      return true;
    }
    if (path === '/account' && req.method === 'GET') {
      const who = principals.cookie(req.headers.cookie);
      if (!who?.session) redirect(res, '/login');
      else
        accountPage(
          res,
          who.principal.user,
          who.session.csrf,
          who.session.user.mustChange ? 'Choose your own password: the one you were given works once.' : '',
        );
      return true;
    }
    if (req.method !== 'POST' || !['/auth/login', '/auth/logout', '/auth/password'].includes(path)) return false;
    void readForm(req).then(async (form) => {
      if (!form) return html(res, 400, page('Bad request', '<p>The form could not be read.</p>'));
      if (path === '/auth/login') {
        const name = (form.get('name') ?? '').trim().toLowerCase().slice(0, 64);
        const nonce = readCookie(req.headers.cookie, LOGIN_COOKIE) ?? '';
        if (!/^[0-9a-f]{32}$/.test(nonce) || !secretMatches(form.get('csrf') ?? '', loginMac(nonce))) {
          await audit.record({
            user: name,
            role: '',
            action: 'auth:login',
            result: 'refused',
            detail: "the sign-in form was not this server's (CSRF)",
            address: address(req),
          });
          return loginPage(res, 403, 'The form expired; please sign in again.', name);
        }
        const user = await teams.checkPassword(name, form.get('password') ?? '');
        if (!user) {
          await audit.record({
            user: name,
            role: '',
            action: 'auth:login',
            result: 'refused',
            detail: 'wrong user name or password',
            address: address(req),
          });
          // 401: the failed-login limiter counts it, so guessing locks this address out.
          return loginPage(res, 401, 'Wrong user name or password.', name);
        }
        const { secret } = await teams.startSession(user.name, address(req));
        await audit.record({ user: user.name, role: user.role, action: 'auth:login', result: 'ok', address: address(req) });
        return redirect(res, user.mustChange ? '/account' : '/', [
          sessionCookie(secret),
          clear(LOGIN_COOKIE, '/auth/login'),
          clear(TOKEN_COOKIE),
        ]);
      }
      const who = principals.cookie(req.headers.cookie);
      if (!who) return html(res, 401, page('Signed out', '<p>You are not signed in. <a href="/login">Sign in</a></p>'));
      if (!principals.csrfOk(who, req, form.get('csrf') ?? undefined)) {
        await audit.record({
          user: who.principal.user,
          role: who.principal.role,
          action: path === '/auth/logout' ? 'auth:logout' : 'auth:password',
          result: 'refused',
          detail: 'missing or wrong CSRF token',
          address: address(req),
        });
        return html(
          res,
          403,
          page('Refused', '<p>This request did not come from the console (CSRF token missing). <a href="/">Back</a></p>'),
        );
      }
      if (path === '/auth/logout') {
        await teams.endSession(readCookie(req.headers.cookie, SESSION_COOKIE));
        await audit.record({
          user: who.principal.user,
          role: who.principal.role,
          action: 'auth:logout',
          result: 'ok',
          address: address(req),
        });
        return redirect(res, '/login', [clear(SESSION_COOKIE), clear(TOKEN_COOKIE)]);
      }
      if (!who.session)
        return html(res, 400, page('No password', '<p>The local admin has no password (it uses the link the server printed).</p>'));
      const changed = await teams.changePassword(who.principal.user, form.get('current') ?? '', form.get('next') ?? '');
      await audit.record({
        user: who.principal.user,
        role: who.principal.role,
        action: 'auth:password',
        result: changed.ok ? 'ok' : 'error',
        detail: changed.ok ? '' : changed.error.message,
        address: address(req),
      });
      // A wrong current password is a failed login too (the limiter counts 401s).
      return accountPage(
        res,
        who.principal.user,
        who.session.csrf,
        changed.ok ? 'Password changed.' : changed.error.message,
        changed.ok ? 200 : changed.error.code === 'unauthorized' ? 401 : 400,
      );
    });
    return true;
  };
}
