/**
 * Teams (issue #18): users, roles, API tokens and the audit log as they cross the wire. Secrets'
 * values never appear in any of these types: a secret is its name, version and who changed it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Ack } from './result.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** How much a role may do: a role may do what any lower one may. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

const Name = Type.String({
  pattern: '^[a-z][a-z0-9._-]{0,63}$',
  description: 'user name: lower case letters, digits, . _ -, starting with a letter',
});
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
/** An inventory pattern (exact names, `*` globs, `a:b`, `a:&b`, `a:!b`); see server/auth/scope.ts. */
const Scope = Type.String({ minLength: 1, maxLength: 512, pattern: '^[^\\s]+$' });

export const UserAddSchema = Type.Object(
  {
    name: Name,
    role: RoleSchema,
    scope: Type.Optional(Scope),
    /** Omitted: the server makes a one-time password and returns it once. */
    password: Type.Optional(Type.String({ minLength: 12, maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type UserAdd = Static<typeof UserAddSchema>;

export const UserSetSchema = Type.Object(
  {
    name: Name,
    role: Type.Optional(RoleSchema),
    scope: Type.Optional(Type.Union([Scope, Type.Null()])),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UserSet = Static<typeof UserSetSchema>;

export const UserNameSchema = Name;

export type UserInfo = Readonly<{
  name: string;
  role: Role;
  scope: string | null;
  disabled: boolean;
  /** `local` (password) or `oidc`. */
  source: 'local' | 'oidc';
  createdAt: number;
  createdBy: string;
  /** True until the user changes the one-time password. */
  mustChangePassword: boolean;
}>;

export type UserAdded = Readonly<{ user: UserInfo; oneTimePassword: string | null }>;

export const TokenCreateSchema = Type.Object(
  {
    user: Name,
    ttlMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 10 * 365 * 86_400_000 })),
    note: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type TokenCreate = Static<typeof TokenCreateSchema>;

export const TokenListSchema = Type.Object({ user: Type.Optional(Name) }, { additionalProperties: false });
export const TokenIdSchema = Type.String({ pattern: '^[0-9a-f]{16}$' });

export type ApiTokenInfo = Readonly<{
  id: string;
  user: string;
  note: string;
  createdAt: number;
  createdBy: string;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}>;
/** The secret itself, returned once (only its SHA-256 is kept). */
export type ApiTokenCreated = ApiTokenInfo & Readonly<{ token: string }>;

export const AuditQuerySchema = Type.Object(
  {
    user: Type.Optional(Type.String({ maxLength: 64 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuerySchema>;

export type AuditResult = 'ok' | 'error' | 'refused';

export type AuditEntry = Readonly<{
  seq: number;
  at: number;
  user: string;
  role: string;
  action: string;
  object: string;
  /** The request's parameters with secret values replaced (see server/audit/redact.ts). */
  params: string;
  result: AuditResult;
  /** The error message of a refusal or failure, else empty. */
  detail: string;
  address: string;
  prevHash: string;
  hash: string;
}>;

export type AuditVerified = Readonly<{ ok: true; rows: number } | { ok: false; rows: number; firstBad: number; reason: string }>;

/** Who this browser session is (GET /auth/session). */
export type SessionInfo = Readonly<{
  user: string;
  role: Role;
  scope: string | null;
  csrf: string | null;
  local: boolean;
  mustChangePassword: boolean;
}>;

/** A secret as anyone may see it: never its value. */
export type SecretInfo = Readonly<{ name: string; version: number; createdAt: number; updatedAt: number; updatedBy: string }>;

export const SecretNameSchema = Type.String({
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
  description: 'secret name: letters, digits and _, as in {{ secrets.NAME }}',
});
export const SecretSetSchema = Type.Object(
  { name: SecretNameSchema, value: Type.String({ minLength: 1, maxLength: 65_536 }) },
  { additionalProperties: false },
);
export type SecretSet = Static<typeof SecretSetSchema>;

/** Who is asking, as every request sees it: a user, or the local admin (the desktop, ui.token, cli.token). */
export type Principal = Readonly<{ user: string; role: Role; scope: string | null; local: boolean }>;

export const UserListSchema = Type.Object({}, { additionalProperties: false });

/** Requests of issue #18 on `/ui` (and `POST /api/ui/<event>`); every one takes a payload (`{}` for none). */
export interface TeamsToServerEvents {
  'auth:whoami': (request: Record<string, never>, ack: Ack<Principal>) => void;
  'users:list': (request: Record<string, never>, ack: Ack<UserInfo[]>) => void;
  'users:add': (request: UserAdd, ack: Ack<UserAdded>) => void;
  'users:set': (request: UserSet, ack: Ack<UserInfo>) => void;
  'users:remove': (name: string, ack: Ack<null>) => void;
  'tokens:create': (request: TokenCreate, ack: Ack<ApiTokenCreated>) => void;
  'tokens:list': (request: { user?: string }, ack: Ack<ApiTokenInfo[]>) => void;
  'tokens:revoke': (id: string, ack: Ack<ApiTokenInfo>) => void;
  'audit:list': (request: AuditQuery, ack: Ack<AuditEntry[]>) => void;
  'audit:verify': (request: Record<string, never>, ack: Ack<AuditVerified>) => void;
  'secrets:list': (request: Record<string, never>, ack: Ack<SecretInfo[]>) => void;
  'secrets:set': (request: SecretSet, ack: Ack<SecretInfo>) => void;
  'secrets:remove': (name: string, ack: Ack<null>) => void;
}
