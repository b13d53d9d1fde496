/** HTTP on the server's port: health, the token gate, the not-built page and static files. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeAgent, startTestServer, type TestServer } from '../testing/harness.js';
import { resolveStatic } from './static.js';

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Trades the console link for the session cookie it sets (`name=value`). */
async function sessionOf(server: TestServer['server']): Promise<string> {
  const r = await get(`${server.url}/?token=${server.uiToken}`);
  return ((r.headers['set-cookie'] as string[] | undefined)?.[0] ?? '').split(';')[0] ?? '';
}

describe('http', { timeout: 20_000 }, () => {
  let t: TestServer;
  let built: TestServer;
  const staticRoot = mkdtempSync(join(tmpdir(), 'directord-static-'));
  const secretDir = mkdtempSync(join(tmpdir(), 'directord-secret-'));

  before(async () => {
    mkdirSync(join(staticRoot, 'assets'));
    writeFileSync(join(staticRoot, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(staticRoot, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(secretDir, 'secret.txt'), 'secret');
    symlinkSync(join(secretDir, 'secret.txt'), join(staticRoot, 'assets', 'link.txt'));
    t = await startTestServer();
    built = await startTestServer({ staticDir: staticRoot });
  });
  after(async () => {
    await t.stop();
    await built.stop();
    rmSync(staticRoot, { recursive: true, force: true });
    rmSync(secretDir, { recursive: true, force: true });
  });

  test('/healthz answers JSON without a token', async () => {
    const r = await get(`${t.server.url}/healthz`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).status, 'ok');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  });

  test('no or wrong token: a 401 page that explains where the URL comes from', async () => {
    for (const path of ['/', '/?token=wrong', '/runs/123']) {
      const r = await get(`${t.server.url}${path}`);
      assert.equal(r.status, 401, path);
      assert.match(r.headers['content-type'] as string, /text\/html/);
      assert.match(r.body, /directord serve/);
      assert.match(r.body, /\?token=/);
    }
    assert.match((await get(`${t.server.url}/`)).headers['content-security-policy'] as string, /default-src 'self'/);
  });

  test('the token in the URL sets an HttpOnly SameSite=Strict cookie and redirects to /', async () => {
    const r = await get(`${t.server.url}/?token=${t.server.uiToken}`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, '/');
    const cookie = (r.headers['set-cookie'] as string[])[0] ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await get(`${t.server.url}/`, { cookie: cookie.split(';')[0] ?? '' });
    assert.equal(page.status, 200);
    assert.match(page.body, /console UI is not built yet/);
  });

  test('the cookie holds a fresh session secret per browser, never the token; the bare token as a cookie opens nothing', async () => {
    const one = await sessionOf(t.server);
    const two = await sessionOf(t.server);
    assert.match(one, /^directord_token=s1\.[0-9a-f]{32}\.[0-9a-f]{64}$/);
    assert.notEqual(one, two);
    assert.ok(!one.includes(t.server.uiToken) && !two.includes(t.server.uiToken));
    assert.equal((await get(`${t.server.url}/`, { cookie: two })).status, 200);
    assert.equal((await get(`${t.server.url}/`, { cookie: `directord_token=${t.server.uiToken}` })).status, 401);
    // Tampered: another id under the same MAC.
    assert.equal(
      (await get(`${t.server.url}/`, { cookie: one.replace(/s1\.(.)/, (_m, c: string) => `s1.${c === 'a' ? 'b' : 'a'}`) })).status,
      401,
    );
    // A browser that is signed in keeps its session when it opens the link again.
    const again = await get(`${t.server.url}/?token=${t.server.uiToken}`, { cookie: one });
    assert.equal(again.status, 302);
    assert.equal(again.headers['set-cookie'], undefined);
  });

  test('without a console build, / lists the agents', async () => {
    const agent = new FakeAgent(t.server, 'web-node');
    await agent.start();
    try {
      const page = await get(`${t.server.url}/`, { cookie: await sessionOf(t.server) });
      assert.match(page.body, /web-node/);
      assert.match(page.body, /online/);
    } finally {
      agent.close();
    }
  });

  test('static files are served behind the cookie, never outside staticDir', async () => {
    const cookie = { cookie: await sessionOf(built.server) };
    const index = await get(`${built.server.url}/`, cookie);
    assert.equal(index.status, 200);
    assert.match(index.body, /<title>console<\/title>/);
    const js = await get(`${built.server.url}/assets/app.js`, cookie);
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'] as string, /javascript/);
    assert.equal((await get(`${built.server.url}/assets/app.js`)).status, 401);
    assert.equal((await get(`${built.server.url}/runs/abc`, cookie)).body, index.body, 'client-side routes get index.html');
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/link.txt', '/assets/%00x', '/assets/missing.js']) {
      const r = await get(`${built.server.url}${path}`, cookie);
      assert.ok(r.status === 404 || r.body === index.body, path);
      assert.doesNotMatch(r.body, /secret|root:/);
    }
    assert.equal((await get(`${built.server.url}/`, cookie, 'POST')).status, 405);
    assert.equal((await get(`${built.server.url}/assets/link.txt`, cookie)).status, 404);
    assert.equal(resolveStatic(staticRoot, '/../x'), null);
    assert.equal(resolveStatic(staticRoot, '/assets/../../' + secretDir.split('/').pop() + '/secret.txt'), null);
    assert.equal(resolveStatic(staticRoot, '/assets/link.txt'), null);
  });
});
