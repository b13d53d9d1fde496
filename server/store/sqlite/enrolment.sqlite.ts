/** SQL for `enrolment_tokens` and `agent_credentials` (migration 0003). Secrets are stored as SHA-256 hex only. */
import type { CredentialRow, EnrolmentStore, EnrolmentWrites, TokenRow } from '../types.js';
import type { Db } from './open.js';

type SqlToken = {
  id: string;
  token_hash: string;
  note: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  max_uses: number;
  uses: number;
  revoked_at: number | null;
};

type SqlCredential = {
  identity: string;
  secret_hash: string | null;
  machine_id: string;
  enrolment_id: string | null;
  enrolled_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  revoked_reason: string | null;
};

const token = (r: SqlToken): TokenRow => ({
  id: r.id,
  tokenHash: r.token_hash,
  note: r.note,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  maxUses: r.max_uses,
  uses: r.uses,
  revokedAt: r.revoked_at,
});

const credential = (r: SqlCredential): CredentialRow => ({
  identity: r.identity,
  secretHash: r.secret_hash,
  machineId: r.machine_id,
  enrolmentId: r.enrolment_id,
  enrolledAt: r.enrolled_at,
  revokedAt: r.revoked_at,
  revokedBy: r.revoked_by,
  revokedReason: r.revoked_reason,
});

export function createEnrolmentSql(db: Db): Readonly<{ writes: EnrolmentWrites; store: EnrolmentStore }> {
  const insertToken = db.prepare(
    'INSERT INTO enrolment_tokens (id, token_hash, note, created_by, created_at, expires_at, max_uses) VALUES (@id, @tokenHash, @note, @createdBy, @createdAt, @expiresAt, @maxUses)',
  );
  const tokenById = db.prepare<[string], SqlToken>('SELECT * FROM enrolment_tokens WHERE id = ?');
  const allTokens = db.prepare<[], SqlToken>('SELECT * FROM enrolment_tokens ORDER BY created_at DESC, id');
  const useToken = db.prepare('UPDATE enrolment_tokens SET uses = uses + 1 WHERE id = ? AND uses < max_uses');
  const revokeToken = db.prepare('UPDATE enrolment_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const credentialOf = db.prepare<[string], SqlCredential>('SELECT * FROM agent_credentials WHERE identity = ?');
  const allCredentials = db.prepare<[], SqlCredential>('SELECT * FROM agent_credentials ORDER BY identity');
  const upsertCredential = db.prepare(`
    INSERT INTO agent_credentials (identity, secret_hash, machine_id, enrolment_id, enrolled_at, revoked_at, revoked_by, revoked_reason)
    VALUES (@identity, @secretHash, @machineId, @enrolmentId, @enrolledAt, NULL, NULL, NULL)
    ON CONFLICT (identity) DO UPDATE SET
      secret_hash = excluded.secret_hash, machine_id = excluded.machine_id, enrolment_id = excluded.enrolment_id,
      enrolled_at = excluded.enrolled_at, revoked_at = NULL, revoked_by = NULL, revoked_reason = NULL`);
  const revokeCredential = db.prepare(`
    INSERT INTO agent_credentials (identity, secret_hash, machine_id, enrolment_id, enrolled_at, revoked_at, revoked_by, revoked_reason)
    VALUES (@identity, NULL, '', NULL, @at, @at, @by, @reason)
    ON CONFLICT (identity) DO UPDATE SET revoked_at = @at, revoked_by = @by, revoked_reason = @reason`);

  return {
    writes: {
      useToken: (id) => useToken.run(id).changes === 1,
      saveCredential(row) {
        upsertCredential.run(row);
      },
    },
    store: {
      async insertToken(row) {
        insertToken.run(row);
      },
      async tokenById(id) {
        const r = tokenById.get(id);
        return r ? token(r) : undefined;
      },
      tokens: async () => allTokens.all().map(token),
      revokeToken: async (id, at) => revokeToken.run(at, id).changes === 1,
      async credential(identity) {
        const r = credentialOf.get(identity);
        return r ? credential(r) : undefined;
      },
      credentials: async () => allCredentials.all().map(credential),
      async revokeCredential(identity, at, by, reason) {
        revokeCredential.run({ identity, at, by, reason });
      },
    },
  };
}
