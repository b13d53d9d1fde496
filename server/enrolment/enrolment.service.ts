/**
 * Enrolment tokens and per-agent credentials (issue #5 identities).
 *
 * - `create` makes a token `ID.SECRET` (shown once; only its SHA-256 is stored) that expires and
 *   allows `uses` enrolments. The console, the CLI (`/ui enrolments:create`) and SSH bootstrap
 *   (server/bootstrap/) call it.
 * - `redeem` turns a token into a credential for one identity, in one unit of work: the token's
 *   use count goes up, a random credential is stored hashed, bound to the identity and machine id.
 * Tokens and credentials are few (one per host) and read on every agent handshake, so they are
 * kept in memory, loaded at start and written through the store.
 * - `verifyCredential` / `revocation` answer the `/agent` handshake; `revokeAgent` marks an
 *   identity revoked (the caller disconnects it).
 * Every refusal says what is wrong and what to do, because agents print it verbatim.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ENROLMENT_LIMITS, type AgentEnrolled, type EnrolmentCreated, type EnrolmentInfo } from '../../protocol/enrolment.js';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { CredentialRow, Store, TokenRow } from '../store/types.js';

export type EnrolmentRequest = Readonly<{
  /** Agents that may enrol with the token (default 1). */
  uses?: number;
  /** Validity from now (default 1 hour, at most 30 days). */
  ttlMs?: number;
  note?: string;
  /** Who asked (`console`, `cli`, `bootstrap`, …), shown in the list. */
  createdBy?: string;
}>;

export type EnrolmentServiceDeps = Readonly<{
  store: Pick<Store, 'enrolment' | 'transaction'>;
  clock: () => number;
  /** The TLS certificate's SHA-256 fingerprint, when the server listens with TLS. */
  fingerprint: () => string | undefined;
  log: Logger;
}>;

export type EnrolmentService = Awaited<ReturnType<typeof createEnrolmentService>>;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hashesMatch = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
const TOKEN_SHAPE = /^[0-9a-f]{12}\.[A-Za-z0-9_-]{20,200}$/;

function stateOf(row: TokenRow, now: number): EnrolmentInfo['state'] {
  if (row.revokedAt !== null) return 'revoked';
  if (row.uses >= row.maxUses) return 'exhausted';
  if (now >= row.expiresAt) return 'expired';
  return 'active';
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function createEnrolmentService(deps: EnrolmentServiceDeps) {
  const { clock, log } = deps;
  const repo = deps.store.enrolment;
  const tokensById = new Map<string, TokenRow>();
  const tokensByHash = new Map<string, TokenRow>();
  const credentials = new Map<string, CredentialRow>();
  const keepToken = (row: TokenRow) => {
    tokensById.set(row.id, row);
    tokensByHash.set(row.tokenHash, row);
  };
  for (const row of await repo.tokens()) keepToken(row);
  for (const row of await repo.credentials()) credentials.set(row.identity, row);
  const credentialOf = (identity: string) => credentials.get(identity);

  const info = (row: TokenRow): EnrolmentInfo => ({
    id: row.id,
    note: row.note,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    maxUses: row.maxUses,
    uses: row.uses,
    revokedAt: row.revokedAt,
    state: stateOf(row, clock()),
  });

  /** The token's row when it can still enrol an agent; otherwise why not. */
  function usableToken(token: unknown): Result<TokenRow> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) {
      return fail(
        'unauthorized',
        'this is not an enrolment token (expected ID.SECRET as printed by `directord manage --create-enrolment`)',
      );
    }
    const row = tokensByHash.get(sha256(token));
    if (!row)
      return fail(
        'unauthorized',
        "unknown enrolment token: create one with `directord manage --create-enrolment` or on the console's Hosts page",
      );
    const what = `enrolment token ${row.id}${row.note ? ` (${row.note})` : ''}`;
    switch (stateOf(row, clock())) {
      case 'revoked':
        return fail('revoked', `${what} was revoked at ${iso(row.revokedAt ?? 0)}; create a new one`);
      case 'exhausted':
        return fail(
          'exhausted',
          `${what} has been used ${row.uses} of ${row.maxUses} time(s); create a new one (--uses N for several agents)`,
        );
      case 'expired':
        return fail('expired', `${what} expired at ${iso(row.expiresAt)}; create a new one (--expires for a longer validity)`);
      case 'active':
        return ok(row);
    }
  }

  function revokedMessage(row: CredentialRow): string {
    return `agent ${row.identity} was revoked at ${iso(row.revokedAt ?? 0)} by ${row.revokedBy ?? 'an operator'}${row.revokedReason ? ` (${row.revokedReason})` : ''}; to bring it back, enrol it again with a new token`;
  }

  return {
    /** A new token; its secret is in the answer only. Throws RangeError on out-of-bounds numbers (validate first). */
    async create(request: EnrolmentRequest = {}): Promise<EnrolmentCreated> {
      const uses = request.uses ?? 1;
      const ttlMs = request.ttlMs ?? ENROLMENT_LIMITS.defaultTtlMs;
      if (!Number.isInteger(uses) || uses < 1 || uses > ENROLMENT_LIMITS.maxUses)
        throw new RangeError(`uses must be a whole number from 1 to ${ENROLMENT_LIMITS.maxUses}, got ${uses}`);
      if (!Number.isFinite(ttlMs) || ttlMs < ENROLMENT_LIMITS.minTtlMs || ttlMs > ENROLMENT_LIMITS.maxTtlMs) {
        throw new RangeError(`ttlMs must be from ${ENROLMENT_LIMITS.minTtlMs} to ${ENROLMENT_LIMITS.maxTtlMs} ms, got ${ttlMs}`);
      }
      const id = randomBytes(6).toString('hex');
      const token = `${id}.${randomBytes(32).toString('base64url')}`;
      const now = clock();
      const note = (request.note ?? '').slice(0, 200);
      const row = {
        id,
        tokenHash: sha256(token),
        note,
        createdBy: request.createdBy ?? 'server',
        createdAt: now,
        expiresAt: now + Math.round(ttlMs),
        maxUses: uses,
      };
      await repo.insertToken(row);
      keepToken({ ...row, uses: 0, revokedAt: null });
      log.info('enrolment token created', { id, uses, expiresAt: now + ttlMs, createdBy: request.createdBy ?? 'server', note });
      const fingerprint = deps.fingerprint();
      return { id, token, expiresAt: now + Math.round(ttlMs), uses, note, ...(fingerprint ? { fingerprint } : {}) };
    },

    list: (): EnrolmentInfo[] =>
      [...tokensById.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(info),

    async revokeToken(id: string): Promise<Result<EnrolmentInfo>> {
      const row = tokensById.get(id);
      if (!row) return fail('not-found', `no enrolment token ${id}; list them with \`directord manage --list-enrolments\``);
      await repo.revokeToken(id, clock());
      const stored = (await repo.tokenById(id)) ?? row;
      keepToken(stored);
      log.info('enrolment token revoked', { id });
      return ok(info(stored));
    },

    /** Whether `token` may open an enrolment connection (nothing is used up yet). */
    checkToken: (token: unknown): Result<null> => {
      const row = usableToken(token);
      return row.ok ? ok(null) : row;
    },

    /**
     * Uses the token once and returns a new credential for `identity`. Refused when the identity
     * is enrolled already (revoke it first) or connected right now.
     */
    async redeem(
      token: string,
      identity: string,
      machineId: string,
      isOnline: (identity: string) => boolean,
    ): Promise<Result<AgentEnrolled>> {
      const row = usableToken(token);
      if (!row.ok) return row;
      const existing = credentialOf(identity);
      if (existing && existing.secretHash !== null && existing.revokedAt === null) {
        return fail(
          'conflict',
          `agent ${identity} is already enrolled (since ${iso(existing.enrolledAt)}); revoke it first (directord manage --revoke-node ${identity}) or enrol under another --name`,
        );
      }
      // Presence is asked before the unit of work, which holds only the two writes.
      if (isOnline(identity)) return fail('conflict', `an agent named ${identity} is connected right now; enrol under another --name`);
      const credential = randomBytes(32).toString('base64url');
      const saved = { identity, secretHash: sha256(credential), machineId, enrolmentId: row.value.id, enrolledAt: clock() };
      const used = await deps.store.transaction((tx) => {
        if (!tx.enrolment.useToken(saved.enrolmentId)) return false;
        tx.enrolment.saveCredential(saved);
        return true;
      });
      const now = tokensById.get(row.value.id) ?? row.value;
      if (!used) {
        keepToken({ ...now, uses: now.maxUses });
        return fail('exhausted', `enrolment token ${row.value.id} has just been used up; create a new one`);
      }
      keepToken({ ...now, uses: now.uses + 1 });
      credentials.set(identity, { ...saved, revokedAt: null, revokedBy: null, revokedReason: null });
      log.info('agent enrolled', { identity, machineId, token: row.value.id });
      return ok({ identity, credential });
    },

    /** The `/agent` handshake with `{identity, credential}`: the enrolled machine id, or why not. */
    verifyCredential(identity: string, secret: string): Result<{ machineId: string }> {
      const row = credentialOf(identity);
      const presented = sha256(secret);
      if (!row || row.secretHash === null) {
        return fail(
          'unauthorized',
          `agent ${identity} is not enrolled on this server: enrol it with a token (directord agent --server URL --token TOKEN)`,
        );
      }
      if (!hashesMatch(presented, row.secretHash))
        return fail('unauthorized', `wrong credential for agent ${identity}: enrol it again with a new token`);
      if (row.revokedAt !== null) return fail('revoked', revokedMessage(row));
      return ok({ machineId: row.machineId });
    },

    /** Why `identity` may not connect at all (revoked), or null. */
    revocation(identity: string): string | null {
      const row = credentialOf(identity);
      return row && row.revokedAt !== null ? revokedMessage(row) : null;
    },

    isRevoked: (identity: string): boolean => credentialOf(identity)?.revokedAt != null,

    /** Whether `identity` has (or had) a credential or a revocation on record. */
    isKnown: (identity: string): boolean => credentialOf(identity) !== undefined,

    revokedIdentities: (): string[] => [...credentials.values()].filter((c) => c.revokedAt !== null).map((c) => c.identity),

    /** Marks `identity` revoked (its credential, or the local key for it, is refused from now on). */
    async revokeAgent(identity: string, by: string, reason: string): Promise<{ revokedAt: number }> {
      const at = clock();
      await repo.revokeCredential(identity, at, by, reason);
      const stored = await repo.credential(identity);
      if (stored) credentials.set(identity, stored);
      log.warn('agent revoked', { identity, by, reason });
      return { revokedAt: at };
    },
  };
}
