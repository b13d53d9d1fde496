/**
 * Who may open what (issue #5 roles). Three roles, three secrets, no overlap:
 * - `console`: DATA_DIR/ui.token — the console URL (`/?token=`, traded for a session cookie:
 *   console-sessions.ts) and `/ui`; the desktop app's per-launch secret is a console token too;
 * - `cli`: DATA_DIR/cli.token — `/ui` and the HTTP mirror `POST /api/ui/<event>` (Bearer);
 * - agents: their own credential or the loopback-only agent.key — `/agent` only (agents.auth.ts).
 * Every entry point calls {@link UiAccess.authorize} with its own name, so a token that belongs
 * to another role (or an agent credential) is refused there.
 */
import { fail, ok, type Result } from '../../protocol/result.js';
import { secretMatches } from '../util/secrets.js';
import { createConsoleSessions, type ConsoleSessions } from './console-sessions.js';

export type UiRole = 'console' | 'cli';

/** The operator-side entry points. */
export type UiEntry = 'ui-socket' | 'http-console' | 'http-api';

/** Which roles each entry point admits. */
export const ENTRY_ROLES: Readonly<Record<UiEntry, readonly UiRole[]>> = {
  'ui-socket': ['console', 'cli'],
  'http-console': ['console'],
  'http-api': ['cli'],
};

export type UiPrincipal = Readonly<{
  role: UiRole;
  /** Recorded as `requestedBy`: the role, or a name the caller gave that does not claim the other role. */
  client: string;
}>;

export type UiAccess = Readonly<{
  /** The role `presented` belongs to, or null (any other secret, an agent credential, nothing). */
  roleOf(presented: unknown): UiRole | null;
  /**
   * The caller at `entry`, or `unauthorized` when the token opens nothing there. `claimedClient`
   * (handshake `client`, `X-Directord-Client`) only names the caller inside its role.
   */
  authorize(presented: unknown, entry: UiEntry, claimedClient?: string): Result<UiPrincipal>;
  /** The caller at `entry` holding the session cookie `value` (always the console role). */
  authorizeSession(value: unknown, entry: UiEntry): Result<UiPrincipal>;
  /** A new console session secret (for the cookie `/?token=` sets). */
  issueSession(): string;
}>;

const WHERE: Readonly<Record<UiEntry, string>> = {
  'ui-socket': 'use the console URL the server printed (ui.token) or the CLI (cli.token in the data dir)',
  'http-console': 'use the console URL the server printed (ui.token in the data dir)',
  'http-api': 'send "Authorization: Bearer <token>" with the CLI token (cli.token in the data dir)',
};

const CLIENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export type UiSecrets = Readonly<{
  /** ui.token; a function when it can be rotated while the server runs. */
  consoleToken: string | (() => string);
  cliToken: string;
  /** The desktop app's secret for this launch only (never on disk). */
  launchToken?: string;
  /** Default: sessions keyed on the console token. */
  sessions?: ConsoleSessions;
}>;

export function createUiAccess(secrets: UiSecrets): UiAccess {
  const consoleToken =
    typeof secrets.consoleToken === 'string'
      ? (
          (t) => () =>
            t
        )(secrets.consoleToken)
      : secrets.consoleToken;
  const sessions = secrets.sessions ?? createConsoleSessions(consoleToken);
  const roleOf = (presented: unknown): UiRole | null => {
    // Every comparison always runs, so timing does not tell which role a near miss was close to.
    const isConsole = secretMatches(presented, consoleToken());
    const isLaunch = secrets.launchToken !== undefined && secretMatches(presented, secrets.launchToken);
    const isCli = secretMatches(presented, secrets.cliToken);
    return isConsole || isLaunch ? 'console' : isCli ? 'cli' : null;
  };
  return {
    roleOf,
    issueSession: () => sessions.issue(),
    authorizeSession(value, entry) {
      if (!sessions.valid(value))
        return fail('unauthorized', `no valid console session (it ends when the console token is rotated): ${WHERE[entry]}`);
      if (!ENTRY_ROLES[entry].includes('console')) return fail('unauthorized', `a console session does not open this: ${WHERE[entry]}`);
      return ok({ role: 'console', client: 'console' });
    },
    authorize(presented, entry, claimedClient) {
      const role = roleOf(presented);
      if (role === null) return fail('unauthorized', `wrong or missing token: ${WHERE[entry]}`);
      if (!ENTRY_ROLES[entry].includes(role)) return fail('unauthorized', `the ${role} token does not open this: ${WHERE[entry]}`);
      const other: UiRole = role === 'console' ? 'cli' : 'console';
      const client = role === 'cli' && claimedClient && CLIENT_NAME.test(claimedClient) && claimedClient !== other ? claimedClient : role;
      return ok({ role, client });
    },
  };
}
