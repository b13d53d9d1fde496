/**
 * Teams on a real server (issue #18): the request × role table walked whole, operator scopes
 * refused before anything is dispatched, the audit chain verified and a tampered row found, and
 * users signing in with a session cookie, CSRF, logout, expiry and lockout.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { io } from 'socket.io-client';
import type { Result } from '../../protocol/result.js';
import type { ApiTokenCreated, AuditEntry, AuditVerified, Role, UserAdded } from '../../protocol/teams.js';
import { rowHash } from '../audit/audit.service.js';
import { FakeAgent, sleep, startTestServer, withTimeout, type TestServer } from '../testing/harness.js';
import { HTTP_POLICY, UI_POLICY } from './policy.js';

type Answer = Readonly<{ status: number; result: Result<unknown> }>;

async function api(t: TestServer, token: string, event: string, payload?: unknown): Promise<Answer> {
  const res = await fetch(`${t.server.url}/api/ui/${encodeURIComponent(event)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: payload === undefined ? '' : JSON.stringify(payload),
  });
  return { status: res.status, result: (await res.json()) as Result<unknown> };
}

async function value<T>(answer: Promise<Answer>): Promise<T> {
  const a = await answer;
  if (!a.result.ok) throw new Error(`${a.result.error.code}: ${a.result.error.message}`);
  return a.result.value as T;
}

const PASSWORD = 'correct horse battery';

async function addUser(t: TestServer, name: string, role: Role, scope?: string): Promise<string> {
  await value<UserAdded>(api(t, t.server.cliToken, 'users:add', { name, role, password: PASSWORD, ...(scope ? { scope } : {}) }));
  return (await value<ApiTokenCreated>(api(t, t.server.cliToken, 'tokens:create', { user: name }))).token;
}

/** A payload each request accepts or refuses as invalid, harmless either way (never a real purge of anything that matters). */
const PAYLOADS: Readonly<Record<string, unknown>> = {
  'runs:submit': { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'true' }] }] },
};

describe('teams', () => {
  let t: TestServer;
  const tokens: Partial<Record<Role, string>> = {};
  before(async () => {
    t = await startTestServer({ authRateLimit: { burst: 4, refillPerSecond: 0.01 } });
    tokens.viewer = await addUser(t, 'vera', 'viewer');
    tokens.operator = await addUser(t, 'otto', 'operator');
    tokens.admin = await addUser(t, 'ada', 'admin');
  });
  after(async () => t.stop());

  test('every request the server answers is in the role table, and the table is walked for every role', { timeout: 60_000 }, async () => {
    const unknown = await api(t, t.server.cliToken, 'no:such');
    assert.equal(unknown.status, 404);
    const known = /known: (.*)$/.exec(unknown.result.ok ? '' : unknown.result.error.message)?.[1]?.split(', ') ?? [];
    assert.ok(known.length > 30, 'the server lists its requests');
    assert.deepEqual(
      known.filter((e) => !(e in UI_POLICY)),
      [],
      'requests missing from the role table',
    );
    const names: Record<Role, string> = { viewer: 'vera', operator: 'otto', admin: 'ada' };
    for (const event of known) {
      const rule = UI_POLICY[event];
      assert.ok(rule);
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const a = await api(t, tokens[role] ?? '', event, PAYLOADS[event] ?? {});
        const refused = !a.result.ok && a.result.error.code === 'forbidden';
        const shouldRefuse: boolean = ['viewer', 'operator', 'admin'].indexOf(role) < ['viewer', 'operator', 'admin'].indexOf(rule.role);
        assert.equal(refused, shouldRefuse, `${role} ${event}: ${JSON.stringify(a.result)}`);
        if (shouldRefuse) {
          assert.equal(a.status, 403);
          assert.equal(a.result.ok ? '' : a.result.error.message, `forbidden: ${role} ${names[role]} may not ${rule.action}`);
        }
      }
      // The local admin (cli.token) may do everything.
      const local = await api(t, t.server.cliToken, event, PAYLOADS[event] ?? {});
      assert.ok(local.result.ok || local.result.error.code !== 'forbidden', `cli ${event}`);
    }
  });

  test('the socket enforces the same table (viewer deploy refused, viewer reads)', { timeout: 20_000 }, async () => {
    const socket = io(`${t.server.url}/ui`, {
      transports: ['websocket'],
      auth: { token: tokens.viewer },
      reconnection: false,
      forceNew: true,
    });
    try {
      await withTimeout(new Promise<void>((r, j) => (socket.once('connect', () => r()), socket.once('connect_error', j))), 5000, 'connect');
      const submit = (await socket.emitWithAck('runs:submit', PAYLOADS['runs:submit'] as never)) as Result<unknown>;
      assert.deepEqual(submit.ok ? null : submit.error, { code: 'forbidden', message: 'forbidden: viewer vera may not deploy runs' });
      const runs = (await socket.emitWithAck('runs:list', {})) as Result<unknown>;
      assert.ok(runs.ok);
      const who = (await socket.emitWithAck('auth:whoami', {})) as Result<unknown>;
      assert.deepEqual(who.ok && who.value, { user: 'vera', role: 'viewer', scope: null, local: false });
    } finally {
      socket.close();
    }
  });

  test(
    'a scoped operator: a run reaching any host outside the scope is refused naming them, nothing dispatched',
    { timeout: 30_000 },
    async () => {
      const scoped = await addUser(t, 'sam', 'operator', 'web*:!web3');
      const agents = ['web1', 'web2', 'web3', 'db1'].map((name) => new FakeAgent(t.server, name));
      try {
        for (const a of agents) await a.start();
        const before = await value<unknown[]>(api(t, t.server.cliToken, 'runs:list', {}));
        const run = (targets?: string[]) =>
          api(t, scoped, 'runs:submit', {
            kind: 'exec',
            entries: [{ jobs: [{ verb: 'RUN', text: 'true' }] }],
            ...(targets ? { targets } : {}),
          });
        const outside = await run(['web1', 'db1', 'web3']);
        assert.equal(outside.status, 403);
        assert.match(
          outside.result.ok ? '' : outside.result.error.message,
          /^forbidden: operator sam may not reach db1, web3 \(outside the scope web\*:!web3\)/,
        );
        // No targets: every online agent, so db1 and web3 again.
        const everyone = await run();
        assert.match(everyone.result.ok ? '' : everyone.result.error.message, /may not reach db1, web3 /);
        await sleep(200);
        assert.deepEqual(
          agents.map((a) => a.dispatched.length),
          [0, 0, 0, 0],
          'nothing was dispatched',
        );
        assert.equal((await value<unknown[]>(api(t, t.server.cliToken, 'runs:list', {}))).length, before.length, 'nothing was stored');
        const inside = await value<{ runId: string }>(run(['web1', 'web2']));
        await agents[0]?.waitForJobs(1);
        await agents[1]?.waitForJobs(1);
        assert.equal(agents[3]?.dispatched.length, 0);
        const detail = await value<{ requestedBy: string }>(api(t, t.server.cliToken, 'runs:get', inside.runId));
        assert.equal(detail.requestedBy, 'sam', 'the run records the user who started it');
      } finally {
        for (const a of agents) a.close();
      }
    },
  );

  test(
    'the audit log: refusals and changes recorded, secrets redacted, the chain verified, a tampered row named',
    { timeout: 30_000 },
    async () => {
      const rows = await value<AuditEntry[]>(api(t, tokens.admin ?? '', 'audit:list', { user: 'vera' }));
      assert.ok(
        rows.some((r) => r.action === 'runs:submit' && r.result === 'refused' && r.detail === 'forbidden: viewer vera may not deploy runs'),
      );
      const adds = (await value<AuditEntry[]>(api(t, tokens.admin ?? '', 'audit:list', { action: 'users:add' }))).filter((r) =>
        r.params.includes('password'),
      );
      assert.ok(adds.length >= 3);
      for (const r of adds) {
        assert.ok(!r.params.includes(PASSWORD), 'the password is redacted');
        assert.match(r.params, /"password":"\[redacted\]"/);
      }
      const tokensMade = await value<AuditEntry[]>(api(t, tokens.admin ?? '', 'audit:list', { action: 'tokens:create' }));
      assert.ok(tokensMade.filter((r) => r.user === 'cli' && r.role === 'admin' && r.result === 'ok').length >= 3);
      assert.ok(tokensMade.every((r) => r.address !== '' && r.at > 0));
      const since = await value<AuditEntry[]>(api(t, tokens.admin ?? '', 'audit:list', { since: Date.now() + 60_000 }));
      assert.deepEqual(since, []);
      assert.deepEqual(await value<AuditVerified>(api(t, tokens.viewer ?? '', 'audit:verify', {})), {
        ok: true,
        rows: (await value<AuditEntry[]>(api(t, t.server.cliToken, 'audit:list', {}))).length,
      });

      const db = new Database(join(t.dataDir, 'directord.db'));
      try {
        assert.throws(() => db.prepare("UPDATE audit_log SET user = 'x' WHERE seq = 2").run(), /append-only/);
        db.exec('DROP TRIGGER audit_log_no_update');
        db.prepare("UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 3").run();
        const v1 = await value<AuditVerified>(api(t, t.server.cliToken, 'audit:verify', {}));
        assert.equal(v1.ok, false);
        assert.equal(!v1.ok && v1.firstBad, 3);
        // Rewritten with a fresh hash: the next row still names its old predecessor.
        const row = db.prepare<[], AuditEntry & { prev_hash: string }>('SELECT * FROM audit_log WHERE seq = 3').get();
        assert.ok(row);
        db.prepare('UPDATE audit_log SET hash = ? WHERE seq = 3').run(rowHash(row.prev_hash, { ...row, prevHash: row.prev_hash }));
        const v2 = await value<AuditVerified>(api(t, t.server.cliToken, 'audit:verify', {}));
        assert.equal(!v2.ok && v2.firstBad, 3, JSON.stringify(v2));
      } finally {
        db.close();
      }
    },
  );
});

describe('signing in', () => {
  let t: TestServer;
  let offset = 0;
  before(async () => {
    t = await startTestServer({ clock: () => Date.now() + offset, sessionIdleMs: 10 * 60_000, authRateLimit: false });
    await value(api(t, t.server.cliToken, 'users:add', { name: 'vera', role: 'viewer', password: PASSWORD }));
  });
  after(async () => t.stop());

  const cookies = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');
  const loginForm = async () => {
    const res = await fetch(`${t.server.url}/login`);
    assert.equal(res.status, 200);
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await res.text())?.[1] ?? '';
    return { cookie: cookies(res).join('; '), csrf };
  };
  const login = async (password: string, form?: { cookie: string; csrf: string }) => {
    const f = form ?? (await loginForm());
    return fetch(`${t.server.url}/auth/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: f.cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: t.server.url },
      body: new URLSearchParams({ name: 'vera', password, csrf: f.csrf }).toString(),
    });
  };

  test(
    'login sets an HttpOnly SameSite=Strict session; the socket needs its CSRF token; logout needs it too',
    { timeout: 30_000 },
    async () => {
      const res = await login(PASSWORD);
      assert.equal(res.status, 303);
      const set = res.headers.getSetCookie().find((c) => c.startsWith('directord_session=')) ?? '';
      assert.match(set, /HttpOnly/);
      assert.match(set, /SameSite=Strict/);
      const cookie = set.split(';')[0] ?? '';
      assert.equal((await fetch(`${t.server.url}/`, { headers: { cookie } })).status, 200, 'the console opens');
      const session = (await (await fetch(`${t.server.url}/auth/session`, { headers: { cookie } })).json()) as {
        user: string;
        role: string;
        csrf: string;
      };
      assert.equal(session.user, 'vera');
      assert.equal(session.role, 'viewer');
      assert.match(session.csrf, /^[0-9a-f]{64}$/);

      const connect = (auth: object) => {
        const socket = io(`${t.server.url}/ui`, {
          transports: ['websocket'],
          auth,
          extraHeaders: { cookie },
          reconnection: false,
          forceNew: true,
        });
        return withTimeout(
          new Promise<{ ok: boolean; socket: typeof socket; error?: string }>((r) => {
            socket.once('connect', () => r({ ok: true, socket }));
            socket.once('connect_error', (e: Error & { data?: { code?: string } }) =>
              r({ ok: false, socket, error: e.data?.code ?? e.message }),
            );
          }),
          5000,
          'connect',
        );
      };
      const without = await connect({});
      assert.deepEqual([without.ok, without.error], [false, 'forbidden'], 'a cookie without the CSRF token opens nothing');
      without.socket.close();
      const withCsrf = await connect({ csrf: session.csrf });
      assert.ok(withCsrf.ok);
      const submit = (await withCsrf.socket.emitWithAck('runs:submit', PAYLOADS['runs:submit'] as never)) as Result<unknown>;
      assert.equal(submit.ok ? '' : submit.error.message, 'forbidden: viewer vera may not deploy runs');
      withCsrf.socket.close();

      const noCsrf = await fetch(`${t.server.url}/auth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      assert.equal(noCsrf.status, 403);
      assert.equal((await fetch(`${t.server.url}/`, { headers: { cookie } })).status, 200, 'still signed in');
      const out = await fetch(`${t.server.url}/auth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'X-CSRF-Token': session.csrf },
      });
      assert.equal(out.status, 303);
      assert.equal((await fetch(`${t.server.url}/`, { headers: { cookie } })).status, 401, 'signed out');
      const audit = await value<AuditEntry[]>(api(t, t.server.cliToken, 'audit:list', { user: 'vera' }));
      assert.deepEqual(
        audit.filter((r) => r.action.startsWith('auth:')).map((r) => [r.action, r.result]),
        [
          ['auth:login', 'ok'],
          ['auth:logout', 'refused'],
          ['auth:logout', 'ok'],
        ],
      );
    },
  );

  test('a login form from elsewhere (no nonce cookie) is refused', async () => {
    const res = await login(PASSWORD, { cookie: '', csrf: 'f'.repeat(64) });
    assert.equal(res.status, 403);
  });

  test('sessions end when idle and after the absolute limit; password change', { timeout: 60_000 }, async () => {
    const res = await login(PASSWORD);
    const cookie =
      res.headers
        .getSetCookie()
        .find((c) => c.startsWith('directord_session='))
        ?.split(';')[0] ?? '';
    assert.equal((await fetch(`${t.server.url}/`, { headers: { cookie } })).status, 200);
    offset += 11 * 60_000;
    assert.equal((await fetch(`${t.server.url}/`, { headers: { cookie } })).status, 401, 'idle too long');

    // Absolute: keep it busy every 5 minutes past 12 hours.
    const second =
      (await login(PASSWORD)).headers
        .getSetCookie()
        .find((c) => c.startsWith('directord_session='))
        ?.split(';')[0] ?? '';
    let alive = 0;
    for (let i = 0; i < 150; i++) {
      offset += 5 * 60_000;
      if ((await fetch(`${t.server.url}/`, { headers: { cookie: second } })).status !== 200) break;
      alive++;
    }
    assert.ok(alive >= 140 && alive < 150, `ended after ${alive} five-minute steps (12 h = 144)`);

    const third =
      (await login(PASSWORD)).headers
        .getSetCookie()
        .find((c) => c.startsWith('directord_session='))
        ?.split(';')[0] ?? '';
    const { csrf } = (await (await fetch(`${t.server.url}/auth/session`, { headers: { cookie: third } })).json()) as { csrf: string };
    const change = await fetch(`${t.server.url}/auth/password`, {
      method: 'POST',
      headers: { cookie: third, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, current: PASSWORD, next: 'an even longer passphrase' }).toString(),
    });
    assert.equal(change.status, 200);
    assert.equal((await login(PASSWORD)).status, 401, 'the old password no longer works');
    assert.equal((await login('an even longer passphrase')).status, 303);
  });
});

test('lockout: past the failed-login limit, even the right password is refused unchecked', { timeout: 30_000 }, async () => {
  const t = await startTestServer({ authRateLimit: { burst: 3, refillPerSecond: 0.001 } });
  try {
    await value(api(t, t.server.cliToken, 'users:add', { name: 'vera', role: 'viewer', password: PASSWORD }));
    const page = await fetch(`${t.server.url}/login`);
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(await page.text())?.[1] ?? '';
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const login = (password: string) =>
      fetch(`${t.server.url}/auth/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: 'vera', password, csrf }).toString(),
      });
    for (let i = 0; i < 3; i++) assert.equal((await login(`wrong ${i}`)).status, 401);
    const locked = await login(PASSWORD);
    assert.equal(locked.status, 429);
    assert.match(await locked.text(), /too many failed attempts/);
  } finally {
    await t.stop();
  }
});

describe('the HTTP routes table', () => {
  test('each route answers anonymous callers as the table says', { timeout: 20_000 }, async () => {
    const t = await startTestServer();
    try {
      for (const route of HTTP_POLICY) {
        const res = await fetch(`${t.server.url}${route.path}`, {
          method: route.method,
          redirect: 'manual',
          headers: { Origin: t.server.url, 'Content-Type': 'application/x-www-form-urlencoded' },
          ...(route.method === 'POST' ? { body: '' } : {}),
        });
        await res.arrayBuffer();
        if (route.needs === 'anyone') assert.ok(res.status < 500 && res.status !== 401, `${route.method} ${route.path}: ${res.status}`);
        else assert.ok(res.status === 401 || res.status === 303, `${route.method} ${route.path} anonymous: ${res.status}`);
      }
    } finally {
      await t.stop();
    }
  });
});
