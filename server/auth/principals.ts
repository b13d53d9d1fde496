/**
 * Who a request comes from (issue #18), on top of issue #12's three secrets (roles.ts): ui.token,
 * its browser sessions, the desktop's launch secret and cli.token are the local admin; a user's
 * browser session (cookie `directord_session`) or API token (`dtk_…`) is that user with their role.
 * A user's browser session must also show its CSRF token on the `/ui` handshake and every
 * state-changing HTTP request: a page that cannot read our answers cannot know it.
 */
import type { IncomingMessage } from 'node:http';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { Principal } from '../../protocol/teams.js';
import { readCookie, TOKEN_COOKIE } from '../util/cookies.js';
import { secretMatches } from '../util/secrets.js';
import { localAdmin } from './guard.js';
import type { UiAccess, UiEntry } from './roles.js';
import type { SessionOf, Teams } from './teams.service.js';
import type { UserRow } from '../store/types.js';

export const SESSION_COOKIE = 'directord_session';

export const userPrincipal = (u: UserRow): Principal => ({ user: u.name, role: u.role, scope: u.scope, local: false });

export type Identified = Readonly<{ client: string; principal: Principal }>;

export type CookieIdentity = Readonly<{ principal: Principal; client: string; session: SessionOf | null }>;

export type Principals = Readonly<{
  /** A bearer secret: ui.token / launch / cli.token (local admin) or a user's API token. */
  bearer(token: unknown, entry: UiEntry, claimedClient?: string): Result<Identified>;
  /** The browser's cookies: a ui.token session (local admin) or a user session; null when neither. */
  cookie(cookieHeader: string | undefined): CookieIdentity | null;
  /** The `/ui` handshake: `auth.token`, else the cookies (a user session must carry `auth.csrf`). */
  socket(auth: unknown, cookieHeader: string | undefined): Result<Identified>;
  /** HTTP: whether a state-changing request of this cookie identity shows its CSRF token. */
  csrfOk(identity: CookieIdentity, req: IncomingMessage, formValue?: string): boolean;
}>;

export function createPrincipals(access: UiAccess, teams: Teams): Principals {
  const bearer = (token: unknown, entry: UiEntry, claimedClient?: string): Result<Identified> => {
    const local = access.authorize(token, entry, claimedClient);
    if (local.ok) return ok({ client: local.value.client, principal: localAdmin(local.value.client) });
    const u = teams.tokenUser(token);
    if (u) return ok({ client: u.name, principal: userPrincipal(u) });
    return local.error.message.startsWith('wrong or missing token')
      ? fail('unauthorized', `${local.error.message}, or a user's API token (directord token create)`)
      : local;
  };
  const cookie = (header: string | undefined): CookieIdentity | null => {
    const session = teams.session(readCookie(header, SESSION_COOKIE));
    if (session) return { principal: userPrincipal(session.user), client: session.user.name, session };
    if (access.authorizeSession(readCookie(header, TOKEN_COOKIE), 'http-console').ok)
      return { principal: localAdmin('console'), client: 'console', session: null };
    return null;
  };
  return {
    bearer,
    cookie,
    socket(auth, header) {
      const a = (typeof auth === 'object' && auth !== null ? auth : {}) as { token?: unknown; client?: unknown; csrf?: unknown };
      if (a.token !== undefined) return bearer(a.token, 'ui-socket', typeof a.client === 'string' ? a.client : undefined);
      const who = cookie(header);
      if (!who)
        return fail('unauthorized', 'no valid console session: sign in at /login, or use the console URL the server printed (ui.token)');
      if (who.session && !secretMatches(a.csrf, who.session.csrf))
        return fail('forbidden', "the console connection did not carry this session's CSRF token (reload the page)");
      return ok({ client: who.client, principal: who.principal });
    },
    csrfOk(identity, req, formValue) {
      // ui.token sessions are one person's tool behind the Origin gate (issue #12); users' sessions prove their page.
      if (!identity.session) return true;
      const header = [req.headers['x-csrf-token']].flat()[0];
      return secretMatches(header ?? formValue, identity.session.csrf);
    },
  };
}
