/**
 * Users, their browser sessions and their API tokens (issue #18). All three are kept in memory
 * and written through to the store: every request checks a session or a token, and none of those
 * checks may wait for the database. Secrets are never kept, only their SHA-256 (sessions and API
 * tokens are 256-bit random, so a fast hash is enough; passwords get scrypt: passwords.ts).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Logger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { ApiTokenCreated, ApiTokenInfo, Role, UserAdd, UserAdded, UserInfo, UserSet } from '../../protocol/teams.js';
import type { ApiTokenRow, SessionRow, UserRow, UsersStore } from '../store/types.js';
import { hashPassword, oneTimePassword, verifyPassword } from './passwords.js';
import { scopeError } from './scope.js';

export type TeamsOptions = Readonly<{
  store: UsersStore;
  clock: () => number;
  log: Logger;
  /** A session unused this long ends. Default 30 min. */
  sessionIdleMs?: number;
  /** A session ends this long after sign-in whatever happens. Default 12 h. */
  sessionMaxMs?: number;
}>;

export type SessionOf = Readonly<{ user: UserRow; csrf: string; idHash: string }>;

export type Teams = Readonly<{
  hasUsers(): boolean;
  user(name: string): UserRow | undefined;
  list(): UserInfo[];
  add(request: UserAdd, by: string): Promise<Result<UserAdded>>;
  set(request: UserSet): Promise<Result<UserInfo>>;
  remove(name: string): Promise<Result<null>>;
  /** The user when `password` is theirs and they may sign in; null otherwise (same time either way). */
  checkPassword(name: string, password: string): Promise<UserRow | null>;
  changePassword(name: string, current: string, next: string): Promise<Result<null>>;
  /** A user created or updated by single sign-on (no password). */
  upsertSso(name: string, role: Role, scope: string | null): Promise<UserRow>;
  startSession(user: string, address: string): Promise<{ secret: string; csrf: string }>;
  /** The live session of cookie value `secret` (touched), or null (unknown, idle, too old, user disabled). */
  session(secret: unknown): SessionOf | null;
  endSession(secret: unknown): Promise<SessionOf | null>;
  createToken(user: string, ttlMs: number | undefined, note: string, by: string): Promise<Result<ApiTokenCreated>>;
  /** The user of a live API token, or null. */
  tokenUser(secret: unknown): UserRow | null;
  tokens(user?: string): ApiTokenInfo[];
  revokeToken(id: string): Promise<Result<ApiTokenInfo>>;
}>;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const SESSION = /^u1\.[0-9a-f]{64}$/;
const TOKEN = /^dtk_[A-Za-z0-9_-]{43}$/;
/** Derived from the cookie's secret, so it is never stored and a page that cannot read our responses cannot know it. */
export const csrfOf = (secret: string) => createHmac('sha256', secret).update('directord csrf v1').digest('hex');

export const userInfo = (u: UserRow): UserInfo => ({
  name: u.name,
  role: u.role,
  scope: u.scope,
  disabled: u.disabled,
  source: u.source,
  createdAt: u.createdAt,
  createdBy: u.createdBy,
  mustChangePassword: u.mustChange,
});
const tokenInfo = (t: ApiTokenRow): ApiTokenInfo => ({
  id: t.id,
  user: t.user,
  note: t.note,
  createdAt: t.createdAt,
  createdBy: t.createdBy,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
  revokedAt: t.revokedAt,
});

export async function createTeams(options: TeamsOptions): Promise<Teams> {
  const { store, clock, log } = options;
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const maxMs = options.sessionMaxMs ?? 12 * 3_600_000;
  const users = new Map((await store.all()).map((u) => [u.name, u]));
  const sessions = new Map((await store.sessions()).map((s) => [s.idHash, s]));
  const tokens = new Map((await store.tokens()).map((t) => [t.tokenHash, t]));
  const written = (what: string) => (error: unknown) => log.warn(`could not store ${what}`, { error: String(error) });

  const dropSessionsOf = (name: string) => {
    for (const [k, s] of sessions) if (s.user === name) sessions.delete(k);
  };
  const put = async (u: UserRow) => {
    await store.put(u);
    users.set(u.name, u);
  };

  const teams: Teams = {
    hasUsers: () => users.size > 0,
    user: (name) => users.get(name),
    list: () => [...users.values()].sort((a, b) => a.name.localeCompare(b.name)).map(userInfo),
    async add(request, by) {
      if (users.has(request.name)) return fail('conflict', `user ${request.name} exists already`);
      const bad = request.scope !== undefined ? scopeError(request.scope) : null;
      if (bad) return fail('invalid-payload', bad.message);
      if (request.scope !== undefined && request.role !== 'operator')
        return fail('invalid-payload', `--scope applies to operators only (${request.name} would be ${request.role})`);
      const oneTime = request.password === undefined ? oneTimePassword() : null;
      const row: UserRow = {
        name: request.name,
        role: request.role,
        scope: request.scope ?? null,
        passwordHash: await hashPassword(request.password ?? oneTime ?? ''),
        source: 'local',
        disabled: false,
        mustChange: oneTime !== null,
        createdAt: clock(),
        createdBy: by,
      };
      await put(row);
      return ok({ user: userInfo(row), oneTimePassword: oneTime });
    },
    async set(request) {
      const u = users.get(request.name);
      if (!u) return fail('not-found', `no user ${request.name}`);
      const role = request.role ?? u.role;
      const scope = request.scope === undefined ? u.scope : request.scope;
      const bad = scope !== null ? scopeError(scope) : null;
      if (bad) return fail('invalid-payload', bad.message);
      if (scope !== null && role !== 'operator')
        return fail('invalid-payload', `a scope applies to operators only (${u.name} would be ${role})`);
      const next: UserRow = { ...u, role, scope, disabled: request.disabled ?? u.disabled };
      await put(next);
      // A role change or a disabled account takes effect now, not when the session ends.
      if (next.disabled) dropSessionsOf(u.name);
      return ok(userInfo(next));
    },
    async remove(name) {
      if (!users.has(name)) return fail('not-found', `no user ${name}`);
      await store.remove(name);
      users.delete(name);
      dropSessionsOf(name);
      for (const [k, t] of tokens) if (t.user === name) tokens.delete(k);
      return ok(null);
    },
    async checkPassword(name, password) {
      const u = users.get(name);
      const good = await verifyPassword(password, u?.source === 'local' ? u.passwordHash : null);
      return good && u && !u.disabled ? u : null;
    },
    async changePassword(name, current, next) {
      const u = users.get(name);
      if (!u || u.source !== 'local')
        return fail('not-found', `${name} has no password here (single sign-on users change it at their provider)`);
      if (next.length < 12 || next.length > 1024) return fail('invalid-payload', 'the new password must be 12 to 1024 characters');
      if (!(await verifyPassword(current, u.passwordHash))) return fail('unauthorized', 'the current password is wrong');
      await put({ ...u, passwordHash: await hashPassword(next), mustChange: false });
      return ok(null);
    },
    async upsertSso(name, role, scope) {
      const u = users.get(name);
      const row: UserRow = {
        name,
        role,
        scope,
        passwordHash: null,
        source: 'oidc',
        disabled: u?.disabled ?? false,
        mustChange: false,
        createdAt: u?.createdAt ?? clock(),
        createdBy: u?.createdBy ?? 'oidc',
      };
      await put(row);
      return row;
    },
    async startSession(user, address) {
      const secret = `u1.${randomBytes(32).toString('hex')}`;
      const now = clock();
      const row: SessionRow = { idHash: sha256(secret), user, createdAt: now, lastSeen: now, address };
      await store.putSession(row);
      sessions.set(row.idHash, row);
      return { secret, csrf: csrfOf(secret) };
    },
    session(secret) {
      if (typeof secret !== 'string' || !SESSION.test(secret)) return null;
      const idHash = sha256(secret);
      const s = sessions.get(idHash);
      if (!s) return null;
      const now = clock();
      const u = users.get(s.user);
      if (!u || u.disabled || now - s.lastSeen > idleMs || now - s.createdAt > maxMs) {
        sessions.delete(idHash);
        void store.removeSession(idHash).catch(written('the end of a session'));
        return null;
      }
      // Written at most once a minute: the idle limit is minutes, the requests are many.
      if (now - s.lastSeen > 60_000) {
        const touched = { ...s, lastSeen: now };
        sessions.set(idHash, touched);
        void store.putSession(touched).catch(written('a session'));
      } else sessions.set(idHash, { ...s, lastSeen: now });
      return { user: u, csrf: csrfOf(secret), idHash };
    },
    async endSession(secret) {
      const s = teams.session(secret);
      if (!s) return null;
      sessions.delete(s.idHash);
      await store.removeSession(s.idHash);
      return s;
    },
    async createToken(user, ttlMs, note, by) {
      if (!users.has(user)) return fail('not-found', `no user ${user}`);
      const secret = `dtk_${randomBytes(32).toString('base64url')}`;
      const now = clock();
      const row: ApiTokenRow = {
        id: randomBytes(8).toString('hex'),
        user,
        tokenHash: sha256(secret),
        note,
        createdAt: now,
        createdBy: by,
        expiresAt: ttlMs === undefined ? null : now + ttlMs,
        lastUsedAt: null,
        revokedAt: null,
      };
      await store.putToken(row);
      tokens.set(row.tokenHash, row);
      return ok({ ...tokenInfo(row), token: secret });
    },
    tokenUser(secret) {
      if (typeof secret !== 'string' || !TOKEN.test(secret)) return null;
      const hash = sha256(secret);
      const t = tokens.get(hash);
      const now = clock();
      if (!t || t.revokedAt !== null || (t.expiresAt !== null && now >= t.expiresAt)) return null;
      const u = users.get(t.user);
      if (!u || u.disabled) return null;
      if (t.lastUsedAt === null || now - t.lastUsedAt > 60_000) {
        const used = { ...t, lastUsedAt: now };
        tokens.set(hash, used);
        void store.putToken(used).catch(written('a token use'));
      }
      return u;
    },
    tokens: (user) => [...tokens.values()].filter((t) => user === undefined || t.user === user).map(tokenInfo),
    async revokeToken(id) {
      const t = [...tokens.values()].find((x) => x.id === id);
      if (!t) return fail('not-found', `no API token ${id}`);
      const revoked = t.revokedAt === null ? { ...t, revokedAt: clock() } : t;
      await store.putToken(revoked);
      tokens.set(t.tokenHash, revoked);
      return ok(tokenInfo(revoked));
    },
  };
  return teams;
}
