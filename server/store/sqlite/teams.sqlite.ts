/** SQL for users, sessions, API tokens, the audit log and secrets (migration 0009). */
import type { AuditEntry, AuditQuery, Role } from '../../../protocol/teams.js';
import type { ApiTokenRow, AuditStore, SecretRow, SecretsStore, SessionRow, UserRow, UsersStore } from '../types.js';
import type { Db } from './open.js';

type SqlUser = {
  name: string;
  role: string;
  scope: string | null;
  password_hash: string | null;
  source: string;
  disabled: number;
  must_change: number;
  created_at: number;
  created_by: string;
};
type SqlSession = { id_hash: string; user: string; created_at: number; last_seen: number; address: string };
type SqlToken = {
  id: string;
  user: string;
  token_hash: string;
  note: string;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
};
type SqlAudit = {
  seq: number;
  at: number;
  user: string;
  role: string;
  action: string;
  object: string;
  params: string;
  result: string;
  detail: string;
  address: string;
  prev_hash: string;
  hash: string;
};
type SqlSecret = { name: string; version: number; sealed: string; created_at: number; updated_at: number; updated_by: string };

const user = (r: SqlUser): UserRow => ({
  name: r.name,
  role: r.role as Role,
  scope: r.scope,
  passwordHash: r.password_hash,
  source: r.source === 'oidc' ? 'oidc' : 'local',
  disabled: r.disabled !== 0,
  mustChange: r.must_change !== 0,
  createdAt: r.created_at,
  createdBy: r.created_by,
});
const session = (r: SqlSession): SessionRow => ({
  idHash: r.id_hash,
  user: r.user,
  createdAt: r.created_at,
  lastSeen: r.last_seen,
  address: r.address,
});
const token = (r: SqlToken): ApiTokenRow => ({
  id: r.id,
  user: r.user,
  tokenHash: r.token_hash,
  note: r.note,
  createdAt: r.created_at,
  createdBy: r.created_by,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});
export const auditEntry = (r: SqlAudit): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  user: r.user,
  role: r.role,
  action: r.action,
  object: r.object,
  params: r.params,
  result: r.result as AuditEntry['result'],
  detail: r.detail,
  address: r.address,
  prevHash: r.prev_hash,
  hash: r.hash,
});
const secret = (r: SqlSecret): SecretRow => ({
  name: r.name,
  version: r.version,
  sealed: r.sealed,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

export function createUsersSql(db: Db): UsersStore {
  const all = db.prepare<[], SqlUser>('SELECT * FROM users ORDER BY name');
  const put = db.prepare(
    `INSERT INTO users (name, role, scope, password_hash, source, disabled, must_change, created_at, created_by)
     VALUES (@name, @role, @scope, @passwordHash, @source, @disabled, @mustChange, @createdAt, @createdBy)
     ON CONFLICT (name) DO UPDATE SET role = excluded.role, scope = excluded.scope, password_hash = excluded.password_hash, source = excluded.source,
       disabled = excluded.disabled, must_change = excluded.must_change`,
  );
  const remove = db.prepare('DELETE FROM users WHERE name = ?');
  const sessions = db.prepare<[], SqlSession>('SELECT * FROM user_sessions');
  const putSession = db.prepare(
    'INSERT INTO user_sessions (id_hash, user, created_at, last_seen, address) VALUES (@idHash, @user, @createdAt, @lastSeen, @address) ON CONFLICT (id_hash) DO UPDATE SET last_seen = excluded.last_seen',
  );
  const removeSession = db.prepare('DELETE FROM user_sessions WHERE id_hash = ?');
  const tokens = db.prepare<[], SqlToken>('SELECT * FROM api_tokens ORDER BY created_at, id');
  const putToken = db.prepare(
    `INSERT INTO api_tokens (id, user, token_hash, note, created_at, created_by, expires_at, last_used_at, revoked_at)
     VALUES (@id, @user, @tokenHash, @note, @createdAt, @createdBy, @expiresAt, @lastUsedAt, @revokedAt)
     ON CONFLICT (id) DO UPDATE SET last_used_at = excluded.last_used_at, revoked_at = excluded.revoked_at`,
  );
  return {
    all: async () => all.all().map(user),
    put: async (row) => {
      put.run({ ...row, disabled: row.disabled ? 1 : 0, mustChange: row.mustChange ? 1 : 0 });
    },
    remove: async (name) => remove.run(name).changes === 1,
    sessions: async () => sessions.all().map(session),
    putSession: async (row) => {
      putSession.run(row);
    },
    removeSession: async (idHash) => {
      removeSession.run(idHash);
    },
    tokens: async () => tokens.all().map(token),
    putToken: async (row) => {
      putToken.run(row);
    },
  };
}

export function createAuditSql(db: Db): AuditStore {
  const last = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    `INSERT INTO audit_log (seq, at, user, role, action, object, params, result, detail, address, prev_hash, hash)
     VALUES (@seq, @at, @user, @role, @action, @object, @params, @result, @detail, @address, @prevHash, @hash)`,
  );
  const scan = db.prepare<[number, number], SqlAudit>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?');
  const append = db.transaction(
    (entry: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>, chain: (prev: string, e: Omit<AuditEntry, 'hash'>) => string): AuditEntry => {
      const previous = last.get();
      const row = { ...entry, seq: (previous?.seq ?? 0) + 1, prevHash: previous?.hash ?? '' };
      const full: AuditEntry = { ...row, hash: chain(row.prevHash, row) };
      insert.run(full);
      return full;
    },
  );
  return {
    append: async (entry, chain) => append(entry, chain),
    async list(q: AuditQuery) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: q.limit ?? 1000 };
      if (q.user !== undefined) {
        where.push('user = @user');
        params.user = q.user;
      }
      if (q.action !== undefined) {
        where.push('action = @action');
        params.action = q.action;
      }
      if (q.since !== undefined) {
        where.push('at >= @since');
        params.since = q.since;
      }
      // Newest first, then shown oldest first: the last `limit` rows matching.
      const rows = db
        .prepare<Record<string, unknown>, SqlAudit>(
          `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`,
        )
        .all(params);
      return rows.reverse().map(auditEntry);
    },
    async *scan() {
      let after = 0;
      for (;;) {
        const page = scan.all(after, 500);
        for (const r of page) yield auditEntry(r);
        if (page.length < 500) return;
        after = page[page.length - 1]?.seq ?? after;
      }
    },
  };
}

export function createSecretsSql(db: Db): SecretsStore {
  const all = db.prepare<[], SqlSecret>('SELECT * FROM secrets ORDER BY name');
  const get = db.prepare<[string], SqlSecret>('SELECT * FROM secrets WHERE name = ?');
  const put = db.prepare(
    `INSERT INTO secrets (name, version, sealed, created_at, updated_at, updated_by) VALUES (@name, @version, @sealed, @createdAt, @updatedAt, @updatedBy)
     ON CONFLICT (name) DO UPDATE SET version = excluded.version, sealed = excluded.sealed, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  );
  const remove = db.prepare('DELETE FROM secrets WHERE name = ?');
  return {
    all: async () => all.all().map(secret),
    get: async (name) => {
      const r = get.get(name);
      return r ? secret(r) : undefined;
    },
    put: async (row) => {
      put.run(row);
    },
    remove: async (name) => remove.run(name).changes === 1,
  };
}
