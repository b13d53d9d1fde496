/**
 * Single sign-on settings (issue #18): `DATA_DIR/oidc.json`, or the file `--oidc-config FILE`
 * names. Checked against a schema when the server starts, so a typo stops it with the field named
 * rather than failing at the first sign-in. The client secret is never in this file's checked
 * value, SQLite or a log: it is read from `clientSecretFile` or `DIRECTORD_OIDC_CLIENT_SECRET`.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { fail, ok, type Result } from '../../protocol/result.js';
import { ROLES } from '../../protocol/teams.js';
import { compileValidator } from '../../protocol/validate.js';
import { scopeError } from './scope.js';

const RoleMapping = Type.Object(
  {
    /** The claim to read, e.g. `groups` (a string or a list of strings in the ID token or userinfo). */
    claim: Type.String({ minLength: 1, maxLength: 128 }),
    /** The value it must hold (or contain, for a list), e.g. `ops-admins`. */
    value: Type.String({ minLength: 1, maxLength: 256 }),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    /** An inventory pattern the user's runs must stay inside (operators only). */
    scope: Type.Optional(Type.String({ minLength: 1, maxLength: 512, pattern: '^[^\\s]+$' })),
  },
  { additionalProperties: false },
);

export const OidcConfigSchema = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 2048 }),
    clientId: Type.String({ minLength: 1, maxLength: 256 }),
    /** A file holding the client secret (relative to this file's folder). Omitted: `DIRECTORD_OIDC_CLIENT_SECRET`, else a public client (PKCE only). */
    clientSecretFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** This server's `/auth/oidc/callback` as the browser reaches it (a proxy's URL behind one). */
    redirectUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    scopes: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), { minItems: 1, maxItems: 32 }),
    ),
    /** The claim that names the user here; default `preferred_username`. */
    usernameClaim: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** What the login page's button says: "Sign in with LABEL". Default `SSO`. */
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** Claim values to roles; the highest role any mapping gives wins, the first mapping of that role gives the scope. */
    roles: Type.Array(RoleMapping, { minItems: 1, maxItems: 256 }),
  },
  { additionalProperties: false },
);

export type OidcFile = Static<typeof OidcConfigSchema>;
export type OidcRoleMapping = Static<typeof RoleMapping>;

/** The settings as the server uses them: defaults filled, the secret beside (never logged). */
export type OidcConfig = Readonly<{
  issuer: URL;
  clientId: string;
  /** Null: a public client, authenticated by PKCE alone. */
  clientSecret: string | null;
  redirectUrl: URL;
  scopes: readonly string[];
  usernameClaim: string;
  label: string;
  roles: readonly OidcRoleMapping[];
  /** The issuer speaks plain HTTP on loopback (a provider on this machine, as in tests). */
  insecureLoopback: boolean;
}>;

const validator = compileValidator(OidcConfigSchema);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function url(value: string, field: string): Result<URL> {
  if (!URL.canParse(value)) return fail('invalid-payload', `field ${field}: not a URL: ${JSON.stringify(value.slice(0, 200))}`);
  const u = new URL(value);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname))) {
    return fail('invalid-payload', `field ${field}: must be https (plain http only on loopback), got ${u.protocol}//${u.host}`);
  }
  if (u.username || u.password || u.hash) return fail('invalid-payload', `field ${field}: no user, password or #fragment in the URL`);
  return ok(u);
}

/** Checks a parsed oidc.json; `baseDir` resolves a relative `clientSecretFile`; `env` gives the secret otherwise. */
export function parseOidcConfig(
  raw: unknown,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Result<OidcConfig> {
  const checked = validator.parse(raw, 'oidc config');
  if (!checked.ok) return checked;
  const c = checked.value;
  const issuer = url(c.issuer, 'issuer');
  if (!issuer.ok) return issuer;
  const redirectUrl = url(c.redirectUrl, 'redirectUrl');
  if (!redirectUrl.ok) return redirectUrl;
  if (redirectUrl.value.pathname !== '/auth/oidc/callback' || redirectUrl.value.search) {
    return fail(
      'invalid-payload',
      `field redirectUrl: must end in /auth/oidc/callback with no query (this server's callback), got ${redirectUrl.value.pathname}${redirectUrl.value.search}`,
    );
  }
  const scopes = c.scopes ?? ['openid', 'profile', 'email'];
  if (!scopes.includes('openid')) return fail('invalid-payload', 'field scopes: must include "openid"');
  for (const [i, m] of c.roles.entries()) {
    if (m.scope !== undefined && m.role !== 'operator')
      return fail('invalid-payload', `field roles.${i}.scope: a scope applies to operators only (this mapping gives ${m.role})`);
    const bad = m.scope !== undefined ? scopeError(m.scope) : null;
    if (bad) return fail('invalid-payload', `field roles.${i}.scope: ${bad.message}`);
  }
  let clientSecret: string | null = null;
  if (c.clientSecretFile !== undefined) {
    const path = isAbsolute(c.clientSecretFile) ? c.clientSecretFile : resolve(baseDir, c.clientSecretFile);
    try {
      if ((statSync(path).mode & 0o077) !== 0 && process.platform !== 'win32')
        return fail('invalid-payload', `field clientSecretFile: ${path} is readable by others (chmod 600 it)`);
      clientSecret = readFileSync(path, 'utf8').trim();
    } catch (error) {
      return fail(
        'invalid-payload',
        `field clientSecretFile: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
    if (!clientSecret) return fail('invalid-payload', `field clientSecretFile: ${path} is empty`);
  } else if (env.DIRECTORD_OIDC_CLIENT_SECRET) clientSecret = env.DIRECTORD_OIDC_CLIENT_SECRET;
  return ok({
    issuer: issuer.value,
    clientId: c.clientId,
    clientSecret,
    redirectUrl: redirectUrl.value,
    scopes,
    usernameClaim: c.usernameClaim ?? 'preferred_username',
    label: c.label ?? 'SSO',
    roles: c.roles,
    insecureLoopback: issuer.value.protocol === 'http:',
  });
}

/** Reads and checks the file; an error names the file and the field. */
export function loadOidcConfig(path: string, env: Readonly<Record<string, string | undefined>> = process.env): Result<OidcConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(
      'invalid-payload',
      `${path}: ${error instanceof SyntaxError ? `not JSON (${error.message})` : `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`}`,
    );
  }
  const parsed = parseOidcConfig(raw, dirname(path), env);
  return parsed.ok ? parsed : fail(parsed.error.code, `${path}: ${parsed.error.message}`);
}
