/**
 * Issue #5 identities: enrolment tokens (operator side, `/ui`), per-agent credentials (agent side,
 * `/agent`), revocation, and the three shapes of an agent's handshake `auth`.
 *
 * An operator creates a token (`enrolments:create`, expiring, single- or multi-use); an agent
 * connects once with `{ identity, enrol: TOKEN }`, sends `agent:enrol` and receives its own
 * credential, then reconnects with `{ identity, credential }`. Local agents started by the server's
 * owner (serve, the desktop app) present the data dir's `agent.key` as `{ identity, key }`, which
 * the server accepts only over loopback.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IdentitySchema } from './jobs.js';

/** Bounds the server enforces on new tokens. */
export const ENROLMENT_LIMITS = {
  defaultTtlMs: 60 * 60 * 1000,
  maxTtlMs: 30 * 24 * 60 * 60 * 1000,
  minTtlMs: 1000,
  maxUses: 10_000,
} as const;

/** `/ui enrolments:create`. */
export const EnrolmentCreateSchema = Type.Object({
  /** How many agents may enrol with it (default 1). */
  uses: Type.Optional(Type.Integer({ minimum: 1, maximum: ENROLMENT_LIMITS.maxUses })),
  /** How long it stays valid (default 1 hour, at most 30 days). */
  ttlMs: Type.Optional(Type.Integer({ minimum: ENROLMENT_LIMITS.minTtlMs, maximum: ENROLMENT_LIMITS.maxTtlMs })),
  note: Type.Optional(Type.String({ maxLength: 200 })),
});
export type EnrolmentCreate = Static<typeof EnrolmentCreateSchema>;

/** A token as listed: never the secret itself. */
export type EnrolmentInfo = Readonly<{
  id: string;
  note: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  maxUses: number;
  uses: number;
  revokedAt: number | null;
  /** `active` while it can still enrol an agent. */
  state: 'active' | 'expired' | 'exhausted' | 'revoked';
}>;

/** The answer to `enrolments:create`: the only time the token's secret is shown. */
export type EnrolmentCreated = Readonly<{
  id: string;
  token: string;
  expiresAt: number;
  uses: number;
  note: string;
  /** SHA-256 fingerprint of the server's TLS certificate (absent on a plain-HTTP loopback server). */
  fingerprint?: string;
}>;

/** A token's public id (the part before the dot). */
export const EnrolmentIdSchema = Type.String({ pattern: '^[0-9a-f]{12}$' });

/** `/ui agents:revoke`. */
export const AgentRevokeSchema = Type.Object({
  identity: IdentitySchema,
  reason: Type.Optional(Type.String({ maxLength: 200 })),
});
export type AgentRevoke = Static<typeof AgentRevokeSchema>;

export type AgentRevoked = Readonly<{ identity: string; revokedAt: number; disconnected: boolean }>;

/** `/agent agent:enrol`, sent on a connection authenticated with an enrolment token. */
export const AgentEnrolSchema = Type.Object({
  identity: IdentitySchema,
  machineId: Type.String({ minLength: 1, maxLength: 256 }),
});
export type AgentEnrol = Static<typeof AgentEnrolSchema>;

export type AgentEnrolled = Readonly<{
  identity: string;
  /** The agent's own secret: present it as `auth.credential` from now on. */
  credential: string;
}>;

/** Handshake `auth` of an agent connection: one of three shapes. */
const Secret = Type.String({ minLength: 1, maxLength: 1024 });
export const AgentAuthSchema = Type.Union([
  Type.Object({ identity: IdentitySchema, key: Secret }),
  Type.Object({ identity: IdentitySchema, credential: Secret }),
  Type.Object({ identity: IdentitySchema, enrol: Secret }),
]);
export type AgentAuthPayload = Static<typeof AgentAuthSchema>;

/** How an agent connection authenticated. */
export type AgentAuthKind = 'local' | 'credential' | 'enrolment';

/** Error codes after which an agent must stop retrying (retrying cannot help; an operator must act). */
export const FATAL_AGENT_CODES: ReadonlySet<string> = new Set(['revoked', 'expired', 'exhausted']);
