/**
 * Single sign-on with OpenID Connect (issue #18): the authorization code flow with PKCE, through
 * `openid-client` (discovery, the token exchange, ID token checks: signature, issuer, audience,
 * expiry, nonce; state and PKCE). `GET /auth/oidc/start` sends the browser to the provider with a
 * fresh state, nonce and code verifier kept here (the browser holds only a random id in a
 * SameSite=Lax cookie: Strict would not come back on the provider's cross-site redirect);
 * `GET /auth/oidc/callback` exchanges the code, maps the claims to a role (oidc-roles.ts), creates
 * or updates the SSO user and starts a normal session. Every refusal is in the audit log.
 *
 * The callback answers with a page of its own rather than a redirect: a redirect would stay in the
 * provider's cross-site navigation, so the browser would not send the new SameSite=Strict session
 * cookie and the browser gate would refuse the console page.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as OpenId from 'openid-client';
import type { Configuration } from 'openid-client';
import type { Logger } from '../../protocol/log.js';
import type { AuditLog } from '../audit/audit.service.js';
import { escapeHtml } from '../http/pages.js';
import { readCookie } from '../util/cookies.js';
import type { OidcConfig } from './oidc-config.js';
import { mapClaims } from './oidc-roles.js';
import type { Teams } from './teams.service.js';

// Types only: the library itself loads at the first sign-in (servers without SSO never load it).
type Client = typeof OpenId;

/** What the login routes lend single sign-on: their page frame and the session cookie. */
export type SsoKit = Readonly<{
  page(res: ServerResponse, status: number, title: string, body: string, headers?: Record<string, string | string[]>): void;
  /** Set-Cookie values that start the session `secret` (and clear the ui.token cookie). */
  signedIn(secret: string): string[];
}>;

export type SsoRoutes = Readonly<{ label: string; handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean }>;

export type OidcDeps = Readonly<{
  config: OidcConfig;
  teams: Teams;
  audit: AuditLog;
  secure: boolean;
  log: Logger;
  clock?: () => number;
  /** A sign-in must come back within this long. Default 10 min. */
  pendingMs?: number;
}>;

export const OIDC_START = '/auth/oidc/start';
export const OIDC_CALLBACK = '/auth/oidc/callback';
const FLOW_COOKIE = 'directord_oidc';
const MAX_PENDING = 1000;
const USER_NAME = /^[a-z][a-z0-9._-]{0,63}$/;

type Pending = Readonly<{ state: string; nonce: string; verifier: string; at: number }>;

export function createOidcRoutes(deps: OidcDeps): (kit: SsoKit) => SsoRoutes {
  const { config, teams, audit, log } = deps;
  const clock = deps.clock ?? Date.now;
  const pendingMs = deps.pendingMs ?? 10 * 60_000;
  const pending = new Map<string, Pending>();
  const secure = deps.secure ? '; Secure' : '';
  let discovered: Promise<{ client: Client; configuration: Configuration }> | null = null;

  // Discovered at the first sign-in, not at start: a provider that is down must not stop the server.
  const discover = () =>
    (discovered ??= (async () => {
      const client = await import('openid-client');
      const auth = config.clientSecret === null ? client.None() : client.ClientSecretBasic(config.clientSecret);
      const configuration = await client.discovery(config.issuer, config.clientId, undefined, auth, {
        timeout: 10,
        ...(config.insecureLoopback ? { execute: [client.allowInsecureRequests] } : {}),
      });
      return { client, configuration };
    })().catch((error: unknown) => {
      discovered = null;
      throw error;
    }));

  const sweep = (now: number) => {
    for (const [id, p] of pending) if (now - p.at > pendingMs) pending.delete(id);
    // Oldest first: a flood of starts drops the oldest unfinished sign-ins, never grows without bound.
    while (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value as string);
  };

  return (kit) => {
    const address = (req: IncomingMessage) => req.socket.remoteAddress ?? '';
    const clearFlow = `${FLOW_COOKIE}=; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0${secure}`;
    // A sign-in that fails before anyone is known (no flow, a provider error, a bad state, nonce or code) is
    // a failed authentication: 401, so the failed-login limiter counts it and a loop on this unauthenticated
    // route is locked out before it fills the audit log. Known but unmapped or disabled users get 403.
    const refuse = async (req: IncomingMessage, res: ServerResponse, status: number, user: string, detail: string, shown: string) => {
      await audit.record({
        user,
        role: '',
        action: 'auth:login',
        result: 'refused',
        detail: `single sign-on: ${detail}`.slice(0, 500),
        address: address(req),
      });
      kit.page(
        res,
        status,
        'Sign-in refused: Directord Console',
        `<h1>Sign-in refused</h1><p class="error" role="alert">${escapeHtml(shown)}</p><p><a href="/login">Back to sign-in</a></p>`,
        { 'Set-Cookie': [clearFlow] },
      );
    };

    const start = async (req: IncomingMessage, res: ServerResponse) => {
      let d: Awaited<ReturnType<typeof discover>>;
      try {
        d = await discover();
      } catch (error) {
        log.warn('single sign-on: the provider could not be reached', { issuer: config.issuer.href, error: String(error) });
        return kit.page(
          res,
          502,
          'Single sign-on unavailable',
          `<h1>Single sign-on unavailable</h1><p class="error" role="alert">The sign-in provider (${escapeHtml(config.issuer.origin)}) could not be reached. Try again later.</p><p><a href="/login">Back to sign-in</a></p>`,
        );
      }
      const now = clock();
      sweep(now);
      const flow: Pending = {
        state: d.client.randomState(),
        nonce: d.client.randomNonce(),
        verifier: d.client.randomPKCECodeVerifier(),
        at: now,
      };
      const id = randomBytes(24).toString('base64url');
      pending.set(id, flow);
      const to = d.client.buildAuthorizationUrl(d.configuration, {
        redirect_uri: config.redirectUrl.href,
        scope: config.scopes.join(' '),
        code_challenge: await d.client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce,
      });
      res.writeHead(303, {
        Location: to.href,
        'Cache-Control': 'no-store',
        'Set-Cookie': `${FLOW_COOKIE}=${id}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=${Math.ceil(pendingMs / 1000)}${secure}`,
      });
      res.end();
    };

    const callback = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      const id = readCookie(req.headers.cookie, FLOW_COOKIE) ?? '';
      const flow = pending.get(id);
      // Single use: a replayed callback finds nothing.
      pending.delete(id);
      if (!flow || clock() - flow.at > pendingMs)
        return refuse(
          req,
          res,
          401,
          '',
          'no sign-in was started in this browser, or it expired',
          'This sign-in was not started here or took too long. Start again.',
        );
      const providerError = url.searchParams.get('error');
      if (providerError)
        return refuse(
          req,
          res,
          401,
          '',
          `the provider answered ${providerError.slice(0, 100)}`,
          `The sign-in provider refused: ${providerError.slice(0, 100)} ${url.searchParams.get('error_description')?.slice(0, 200) ?? ''}`,
        );
      let claims: Record<string, unknown>;
      let subject: string;
      try {
        const d = await discover();
        // The URL the provider redirected to, as configured (a proxy in front changes what this server sees).
        const current = new URL(config.redirectUrl.href);
        current.search = url.search;
        const tokens = await d.client.authorizationCodeGrant(d.configuration, current, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims();
        if (!idClaims) throw new Error('the provider sent no ID token');
        subject = idClaims.sub;
        // Groups are often only in userinfo (providers keep ID tokens small); the signed ID token wins where both say.
        const info =
          d.configuration.serverMetadata().userinfo_endpoint && tokens.access_token
            ? await d.client.fetchUserInfo(d.configuration, tokens.access_token, subject)
            : {};
        claims = { ...info, ...idClaims };
      } catch (error) {
        const why = reason(error);
        log.warn('single sign-on: the callback was refused', { error: why.slice(0, 300) });
        return refuse(req, res, 401, '', why, `The sign-in could not be completed: ${why.slice(0, 200)}`);
      }
      const rawName = claims[config.usernameClaim];
      const name = typeof rawName === 'string' ? rawName.trim().toLowerCase() : '';
      const who = name || `sub:${subject.slice(0, 64)}`;
      if (!USER_NAME.test(name))
        return refuse(
          req,
          res,
          403,
          who,
          `claim ${config.usernameClaim} is not a user name here (${JSON.stringify(String(rawName ?? '')).slice(0, 80)})`,
          `Your account's ${config.usernameClaim} is not usable as a user name here (lower case letters, digits, . _ -).`,
        );
      const mapped = mapClaims(claims, config.roles);
      if (!mapped)
        return refuse(
          req,
          res,
          403,
          name,
          'no role mapping matches the claims',
          `${name}: your account has no role in this console (no mapping of oidc.json matches). Ask an admin.`,
        );
      const user = await teams.upsertSso(name, mapped.role, mapped.scope, `${config.issuer.href}#${subject}`);
      if (!user.ok) return refuse(req, res, 403, name, user.error.message, user.error.message);
      const { secret } = await teams.startSession(name, address(req));
      await audit.record({
        user: name,
        role: mapped.role,
        action: 'auth:login',
        result: 'ok',
        detail: `single sign-on (mapping ${mapped.mapping + 1})`,
        address: address(req),
      });
      kit.page(
        res,
        200,
        'Signed in: Directord Console',
        `<meta http-equiv="refresh" content="0;url=/"><h1>Signed in</h1><p>Signed in as ${escapeHtml(name)} (${mapped.role}). <a href="/">Open the console</a></p>`,
        { 'Set-Cookie': [...kit.signedIn(secret), clearFlow] },
      );
    };

    return {
      label: config.label,
      handle(req, res, url) {
        if (url.pathname !== OIDC_START && url.pathname !== OIDC_CALLBACK) return false;
        if (req.method !== 'GET') {
          res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('method-not-allowed: GET only\n');
          return true;
        }
        const answer = url.pathname === OIDC_START ? start(req, res) : callback(req, res, url);
        answer.catch((error: unknown) => {
          log.error('single sign-on failed', { error: String(error) });
          if (!res.headersSent) kit.page(res, 500, 'Error', '<p>Single sign-on failed; see the server log.</p>');
        });
        return true;
      },
    };
  };
}

/** openid-client says "invalid response encountered" and keeps what was wrong (state, nonce, …) in `cause`. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : '';
  return cause && cause !== error.message ? `${error.message}: ${cause}` : error.message;
}

/** The routes when single sign-on is not configured: they say so (404) instead of falling through to the console. */
export const noSso: SsoRoutes = {
  label: '',
  handle(req, res, url) {
    if (url.pathname !== OIDC_START && url.pathname !== OIDC_CALLBACK) return false;
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('not-found: single sign-on is not configured (DATA_DIR/oidc.json or --oidc-config FILE)\n');
    return true;
  },
};
