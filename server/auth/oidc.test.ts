/**
 * Single sign-on against a real OpenID provider (issue #18): `oidc-provider` on loopback (as
 * `localhost`, so it is another site than the console on 127.0.0.1: test/support/oidc-provider.ts),
 * its own login and consent pages, and a small browser (cookie jar per host, redirects followed, forms posted, the Sec-Fetch
 * headers a browser sends) walking the whole authorization code flow with PKCE. Role mapping
 * (admin, a scoped operator, no mapping refused), state and nonce mismatches refused, the browser
 * gate open to the callback's top-level GET only, and the client secret nowhere in the data dir
 * or the log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../test/support/ports.js';
import { startOidcProvider, type TestProvider } from '../../test/support/oidc-provider.js';
import { createLogger } from '../../protocol/log.js';
import type { AuditEntry, SessionInfo } from '../../protocol/teams.js';
import { startTestServer, withTimeout, type TestServer } from '../testing/harness.js';
import { parseOidcConfig } from './oidc-config.js';
import { mapClaims } from './oidc-roles.js';

const CLIENT_SECRET = 'client-secret-that-must-never-be-stored-0f3b9c';
const ACCOUNTS: Readonly<Record<string, readonly string[]>> = {
  ada: ['staff', 'ops-admins'],
  otto: ['ops'],
  vera: ['staff'],
  eve: ['marketing'],
  lou: ['ops-admins'],
};

type Page = Readonly<{ url: URL; status: number; body: string }>;
type Answer = Readonly<{ status: number; headers: Headers; text: string }>;

/**
 * One HTTP request with exactly these headers: fetch (undici) sets Sec-Fetch-Mode itself, and the
 * browser gate decides on it. `localhost` is the provider's loopback listener.
 */
function send(url: URL, init: Readonly<{ method?: string; headers?: Record<string, string>; body?: string }> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: url.port,
        path: url.pathname + url.search,
        method: init.method ?? 'GET',
        headers: {
          Host: url.host,
          ...init.headers,
          ...(init.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(init.body)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) for (const one of [v ?? []].flat()) headers.append(k, one);
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout: ${url.href}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

const decode = (s: string) =>
  s.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>');

/** Enough of a browser for the flow: cookies per host, redirects, forms, Origin and Sec-Fetch-* as Chromium sends them. */
class Browser {
  readonly jar = new Map<string, Map<string, string>>();
  /** Where the last page came from: the initiator of the next navigation. */
  at: URL | null = null;

  private cookies(url: URL): string {
    return [...(this.jar.get(url.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(url: URL, headers: Headers) {
    const jar = this.jar.get(url.host) ?? new Map<string, string>();
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
    this.jar.set(url.host, jar);
  }

  private static site(from: URL | null, to: URL): 'none' | 'same-origin' | 'same-site' | 'cross-site' {
    if (!from) return 'none';
    if (from.origin === to.origin) return 'same-origin';
    return from.hostname === to.hostname && from.protocol === to.protocol ? 'same-site' : 'cross-site';
  }

  /** A top-level navigation (typed URL, link, form), following redirects as a browser does. */
  async navigate(target: string | URL, form?: URLSearchParams, headers: Record<string, string> = {}): Promise<Page> {
    let url = new URL(target);
    let method = form ? 'POST' : 'GET';
    let body: URLSearchParams | undefined = form;
    // The chain's Sec-Fetch-Site is the least trusting relation seen so far (the Fetch spec's rule).
    const order = ['none', 'same-origin', 'same-site', 'cross-site'] as const;
    let site: (typeof order)[number] = Browser.site(this.at, url);
    const initiator = this.at;
    for (let hops = 0; hops < 20; hops++) {
      const here = Browser.site(initiator, url);
      if (order.indexOf(here) > order.indexOf(site)) site = here;
      const res = await send(url, {
        method,
        headers: {
          'Sec-Fetch-Site': site,
          'Sec-Fetch-Mode': 'navigate',
          'Sec-Fetch-Dest': 'document',
          ...(method === 'POST' && initiator ? { Origin: initiator.origin, 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
          ...(this.cookies(url) ? { Cookie: this.cookies(url) } : {}),
          ...headers,
        },
        ...(body ? { body: body.toString() } : {}),
      });
      this.keep(url, res.headers);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      this.at = url;
      return { url, status: res.status, body: res.text };
    }
    throw new Error('too many redirects');
  }

  /** Submits the page's (first) form with these fields filled in. */
  submit(page: Page, fields: Record<string, string> = {}): Promise<Page> {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body);
    assert.ok(form, `no form on ${page.url.href}: ${page.body.slice(0, 300)}`);
    const data = new URLSearchParams();
    for (const input of (form[2] ?? '').matchAll(/<input([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(input[1] ?? '')?.[1];
      if (name) data.set(name, decode(/value="([^"]*)"/.exec(input[1] ?? '')?.[1] ?? ''));
    }
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    return this.navigate(new URL(decode(form[1] ?? ''), page.url), data);
  }
}

describe('single sign-on with a real OpenID provider', { timeout: 90_000 }, () => {
  let provider: TestProvider;
  let issuer: string;
  let t: TestServer;
  let dir: string;
  const logLines: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'directord-oidc-test-'));
    const consolePort = await freePort();
    const redirect = `http://127.0.0.1:${consolePort}/auth/oidc/callback`;
    provider = await startOidcProvider({ redirectUri: redirect, clientId: 'directord', clientSecret: CLIENT_SECRET, accounts: ACCOUNTS });
    issuer = provider.issuer;
    writeFileSync(join(dir, 'client.secret'), CLIENT_SECRET + '\n', { mode: 0o600 });
    const config = {
      issuer,
      clientId: 'directord',
      clientSecretFile: 'client.secret',
      redirectUrl: redirect,
      scopes: ['openid', 'profile', 'groups'],
      roles: [
        { claim: 'groups', value: 'staff', role: 'viewer' },
        { claim: 'groups', value: 'ops', role: 'operator', scope: 'web*' },
        { claim: 'groups', value: 'ops-admins', role: 'admin' },
      ],
    };
    writeFileSync(join(dir, 'oidc.json'), JSON.stringify(config));
    t = await startTestServer({
      port: consolePort,
      oidcConfig: join(dir, 'oidc.json'),
      log: createLogger('test', (line) => logLines.push(line), 'debug'),
    });
  });

  after(async () => {
    await t?.stop();
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = async (b: Browser): Promise<SessionInfo | null> => {
    const url = new URL('/auth/session', t.server.url);
    const res = await fetch(url, {
      headers: { Cookie: [...(b.jar.get(url.host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    return res.status === 200 ? ((await res.json()) as SessionInfo) : null;
  };

  /** From the console's login page through the provider's login and consent, back to the callback. */
  async function signIn(b: Browser, login: string, tamper?: (authorize: URL) => void): Promise<Page> {
    const loginPage = await b.navigate(new URL('/login', t.server.url));
    const link = /<a class="sso" href="([^"]+)">Sign in with SSO<\/a>/.exec(loginPage.body);
    assert.ok(link, 'the login page has a "Sign in with SSO" button');
    if (tamper) {
      // Stop at the provider's door to change what the console asked for, as an attacker in the middle would.
      const start = await send(new URL(link[1] ?? '', t.server.url), {
        headers: { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' },
      });
      const host = new URL(t.server.url).host;
      const jar = b.jar.get(host) ?? new Map<string, string>();
      for (const c of start.headers.getSetCookie()) {
        const [pair = ''] = c.split(';');
        jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      b.jar.set(host, jar);
      const authorize = new URL(start.headers.get('location') ?? '');
      tamper(authorize);
      let page = await b.navigate(authorize);
      page = await b.submit(page, { login, password: 'any' });
      return b.submit(page);
    }
    let page = await b.navigate(new URL(link[1] ?? '', loginPage.url));
    assert.equal(page.url.origin, issuer, 'the browser is at the provider');
    assert.match(page.url.pathname, /^\/interaction\//);
    page = await b.submit(page, { login, password: 'any' });
    // Consent, then back to the console's callback.
    return b.submit(page);
  }

  const audit = async (user: string) => {
    const res = await fetch(`${t.server.url}/api/ui/audit:list`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.cliToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    const r = (await res.json()) as { ok: true; value: AuditEntry[] };
    return r.value;
  };

  test('an admin by group: the full code flow with PKCE ends in a normal session', async () => {
    const b = new Browser();
    const done = await withTimeout(signIn(b, 'ada'), 20_000, 'sign-in');
    assert.equal(done.status, 200, done.body);
    assert.equal(done.url.pathname, '/auth/oidc/callback');
    assert.match(done.body, /Signed in as ada \(admin\)/);
    const who = await session(b);
    assert.deepEqual(
      { user: who?.user, role: who?.role, scope: who?.scope, local: who?.local },
      { user: 'ada', role: 'admin', scope: null, local: false },
    );
    const cookie = b.jar.get(new URL(t.server.url).host)?.get('directord_session');
    assert.match(cookie ?? '', /^u1\./, 'the session cookie');
    // The page goes on to the console (a same-origin navigation the gate lets through).
    const home = await b.navigate(new URL('/', t.server.url));
    assert.notEqual(home.status, 403);
    const account = await b.navigate(new URL('/account', t.server.url));
    assert.match(account.body, /Signed in with single sign-on/);
    assert.doesNotMatch(account.body, /Change password/, 'no password to change here');
    const users = await fetch(`${t.server.url}/api/ui/users:list`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.cliToken}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const list = ((await users.json()) as { value: { name: string; source: string; role: string }[] }).value;
    assert.deepEqual(
      list.find((u) => u.name === 'ada'),
      { ...list.find((u) => u.name === 'ada'), source: 'oidc', role: 'admin' },
    );
    assert.ok((await audit('ada')).some((e) => e.action === 'auth:login' && e.result === 'ok' && e.detail.startsWith('single sign-on')));
  });

  test("an operator by group gets the mapping's scope; a second sign-in updates the same user", async () => {
    for (let i = 0; i < 2; i++) {
      const b = new Browser();
      const done = await withTimeout(signIn(b, 'otto'), 20_000, 'sign-in');
      assert.equal(done.status, 200, done.body);
      const who = await session(b);
      assert.deepEqual({ user: who?.user, role: who?.role, scope: who?.scope }, { user: 'otto', role: 'operator', scope: 'web*' });
    }
  });

  test('a viewer-only account is a viewer; an account no mapping matches is refused and audited', async () => {
    const v = new Browser();
    assert.equal((await signIn(v, 'vera')).status, 200);
    assert.equal((await session(v))?.role, 'viewer');
    const b = new Browser();
    const refused = await withTimeout(signIn(b, 'eve'), 20_000, 'sign-in');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /eve: your account has no role in this console/);
    assert.equal(await session(b), null, 'no session');
    assert.equal(b.jar.get(new URL(t.server.url).host)?.get('directord_session'), undefined);
    const users = await fetch(`${t.server.url}/api/ui/users:list`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.cliToken}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.ok(!((await users.json()) as { value: { name: string }[] }).value.some((u) => u.name === 'eve'), 'no user was created');
    assert.ok((await audit('eve')).some((e) => e.action === 'auth:login' && e.result === 'refused' && /no role mapping/.test(e.detail)));
  });

  test('a local user of the same name is not taken over by single sign-on', async () => {
    const added = await fetch(`${t.server.url}/api/ui/users:add`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.cliToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'lou', role: 'viewer', password: 'correct horse battery' }),
    });
    assert.equal(added.status, 200);
    const b = new Browser();
    const refused = await withTimeout(signIn(b, 'lou'), 20_000, 'sign-in');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /lou is a local user \(with a password\): single sign-on may not take it over/);
    assert.equal(await session(b), null);
    const users = await fetch(`${t.server.url}/api/ui/users:list`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.server.cliToken}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    const lou = ((await users.json()) as { value: { name: string; role: string; source: string }[] }).value.find((u) => u.name === 'lou');
    assert.deepEqual([lou?.role, lou?.source], ['viewer', 'local'], 'the local user is unchanged (not made admin)');
  });

  test('a changed state or nonce is refused, and a callback cannot be replayed', async () => {
    const s = new Browser();
    const badState = await withTimeout(
      signIn(s, 'ada', (u) => u.searchParams.set('state', 'not-the-state-we-sent')),
      20_000,
      'state',
    );
    assert.equal(badState.status, 401, badState.body);
    assert.match(badState.body, /state/i);
    assert.equal(await session(s), null);
    const n = new Browser();
    const badNonce = await withTimeout(
      signIn(n, 'ada', (u) => u.searchParams.set('nonce', 'not-the-nonce-we-sent')),
      20_000,
      'nonce',
    );
    assert.equal(badNonce.status, 401, badNonce.body);
    assert.match(badNonce.body, /nonce/i);
    assert.equal(await session(n), null);
    // A good callback URL used a second time (from the same browser) finds no sign-in to finish.
    const r = new Browser();
    const ok = await signIn(r, 'vera');
    assert.equal(ok.status, 200);
    const replay = await r.navigate(ok.url);
    assert.equal(replay.status, 401);
    assert.match(replay.body, /not started here/);
    const refusals = (await audit('')).filter((e) => e.action === 'auth:login' && e.result === 'refused');
    assert.ok(
      refusals.some((e) => /state/.test(e.detail)) && refusals.some((e) => /nonce/.test(e.detail)),
      JSON.stringify(refusals.map((e) => e.detail)),
    );
  });

  test('the browser gate lets another site open the callback as a page, and nothing else', async () => {
    const callback = new URL('/auth/oidc/callback?code=x&state=y', t.server.url);
    const asImage = await send(callback, {
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' },
    });
    assert.equal(asImage.status, 403);
    assert.match(asImage.text, /^forbidden-origin/);
    const framed = await send(callback, {
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'iframe' },
    });
    assert.equal(framed.status, 403);
    const posted = await send(callback, {
      method: 'POST',
      body: '',
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' },
    });
    assert.equal(posted.status, 403);
    const otherPage = await send(new URL('/auth/session', t.server.url), {
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' },
    });
    assert.equal(otherPage.status, 403, 'only the callback');
    const page = await send(callback, {
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' },
    });
    assert.equal(page.status, 401, 'a top-level navigation reaches the callback (which finds no sign-in of this browser)');
  });

  // Last of the flows: it locks 127.0.0.1 out of this server.
  test('a loop on the callback with no sign-in started is locked out by the failed-login limiter', async () => {
    const callback = new URL('/auth/oidc/callback?code=x&state=y', t.server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(429); i++) {
      const r = await send(callback, {
        headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' },
      });
      statuses.push(r.status);
    }
    assert.ok(statuses.includes(429), `never rate-limited: ${statuses.join(' ')}`);
    assert.ok(statuses.filter((x) => x === 401).length <= 20, 'at most the limiter budget of refusals (and audit rows)');
  });

  test('the client secret is in no file of the data dir and no log line', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(t.dataDir);
    assert.ok(files.some((f) => f.endsWith('directord.db')));
    for (const f of files) assert.ok(!readFileSync(f).includes(CLIENT_SECRET), `${f} holds the client secret`);
    assert.ok(logLines.length > 0);
    assert.ok(!logLines.some((l) => l.includes(CLIENT_SECRET)), 'a log line holds the client secret');
  });
});

describe('oidc.json is checked, naming the field', () => {
  const good = {
    issuer: 'https://idp.example.com',
    clientId: 'directord',
    redirectUrl: 'https://console.example.com/auth/oidc/callback',
    roles: [{ claim: 'groups', value: 'ops-admins', role: 'admin' }],
  };
  const error = (raw: unknown, env: Record<string, string> = {}) => {
    const r = parseOidcConfig(raw, tmpdir(), env);
    return r.ok ? '' : r.error.message;
  };
  test('good settings get their defaults; the secret comes from the environment when no file is named', () => {
    const r = parseOidcConfig(good, tmpdir(), { DIRECTORD_OIDC_CLIENT_SECRET: 's3' });
    assert.ok(r.ok);
    assert.deepEqual(
      [r.value.scopes, r.value.usernameClaim, r.value.label, r.value.clientSecret, r.value.insecureLoopback],
      [['openid', 'profile', 'email'], 'preferred_username', 'SSO', 's3', false],
    );
    const pub = parseOidcConfig(good, tmpdir(), {});
    assert.equal(pub.ok && pub.value.clientSecret, null, 'a public client');
  });
  test('each mistake names its field', () => {
    assert.match(error({ ...good, issuer: undefined }), /^oidc config: field issuer: /);
    assert.match(error({ ...good, issuer: 'http://idp.example.com' }), /^field issuer: must be https/);
    assert.match(
      error({ ...good, redirectUrl: 'https://console.example.com/callback' }),
      /^field redirectUrl: must end in \/auth\/oidc\/callback/,
    );
    assert.match(error({ ...good, roles: [{ claim: 'groups', value: 'x', role: 'root' }] }), /field roles\.0\.role/);
    assert.match(
      error({ ...good, roles: [{ claim: 'groups', value: 'x', role: 'admin', scope: 'web*' }] }),
      /^field roles\.0\.scope: a scope applies to operators only/,
    );
    assert.match(error({ ...good, roles: [{ claim: 'groups', value: 'x', role: 'operator', scope: 'web:' }] }), /^field roles\.0\.scope: /);
    assert.match(error({ ...good, scopes: ['profile'] }), /^field scopes: must include "openid"/);
    assert.match(error({ ...good, clientSecret: 'inline' }), /clientSecret/, 'an inline secret is not accepted');
    assert.match(error({ ...good, clientSecretFile: 'no-such-file-here' }), /^field clientSecretFile: cannot read .*ENOENT/);
  });
  test('claims to roles: the highest role wins; the first mapping of it gives the scope; none is null', () => {
    const roles = [
      { claim: 'groups', value: 'staff', role: 'viewer' as const },
      { claim: 'groups', value: 'ops', role: 'operator' as const, scope: 'web*' },
      { claim: 'groups', value: 'ops-db', role: 'operator' as const, scope: 'db*' },
      { claim: 'dept', value: 'sre', role: 'admin' as const },
    ];
    assert.deepEqual(mapClaims({ groups: ['staff', 'ops-db', 'ops'] }, roles), { role: 'operator', scope: 'web*', mapping: 1 });
    assert.deepEqual(mapClaims({ groups: ['staff'], dept: 'sre' }, roles), { role: 'admin', scope: null, mapping: 3 });
    assert.equal(mapClaims({ groups: ['marketing'], dept: ['sre'] }, roles)?.role, 'admin', 'a list claim');
    assert.equal(mapClaims({ groups: 'staffers' }, roles), null);
    assert.equal(mapClaims({}, roles), null);
  });
});
