/**
 * The Host/Origin gate on a real server (issue #12), with the headers a browser sends spelled out
 * (the real-browser attacks are test/security/browser-attacks.e2e.test.ts): pages, the CLI's HTTP
 * API, Socket.IO polling and websocket, `/agent`, the limiter and the log.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import { createLogger } from '../../protocol/log.js';
import { startTestServer, withTimeout, type TestServer } from '../testing/harness.js';
import { hostnameOf } from './browser-gate.js';

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

function send(url: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/** A websocket upgrade of engine.io; resolves with the status the server answered (101 when accepted). */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/socket.io/?EIO=4&transport=websocket`, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const polling = (url: string) => `${url}/socket.io/?EIO=4&transport=polling`;

describe('hostnameOf', () => {
  test('names, ports, IPv6 literals; malformed hosts are null', () => {
    assert.equal(hostnameOf('Example.COM:7500'), 'example.com');
    assert.equal(hostnameOf('localhost.'), 'localhost');
    assert.equal(hostnameOf('[::1]:7500'), '::1');
    assert.equal(hostnameOf('127.0.0.1'), '127.0.0.1');
    for (const bad of ['', 'a:b:c', '[::1', '[::1]x', 'host:port']) assert.equal(hostnameOf(bad), null, bad);
  });
});

describe('browser gate', { timeout: 60_000 }, () => {
  let t: TestServer;
  let proxied: TestServer;
  let session = '';
  const lines: string[] = [];
  let port = 0;

  before(async () => {
    t = await startTestServer({
      log: createLogger('test', (l) => lines.push(l), 'warn'),
      authRateLimit: { burst: 5, refillPerSecond: 0.01 },
    });
    proxied = await startTestServer({ allowedOrigins: ['https://console.example.com'], allowedHosts: ['directord.internal'] });
    port = t.server.port;
    const r = await send(`${t.server.url}/?token=${t.server.uiToken}`, {});
    session = ((r.headers['set-cookie'] as string[])[0] ?? '').split(';')[0] ?? '';
  });
  after(async () => {
    await t.stop();
    await proxied.stop();
  });

  test('a foreign Host is refused with 421 on pages, the HTTP API, polling and websocket (DNS rebinding)', async () => {
    const evil = { host: `rebind.example:${port}`, cookie: session };
    for (const [what, r] of [
      ['page', await send(`${t.server.url}/`, evil)],
      ['healthz', await send(`${t.server.url}/healthz`, evil)],
      ['api', await send(`${t.server.url}/api/ui/server:info`, { ...evil, authorization: `Bearer ${t.server.cliToken}` }, 'POST')],
      ['polling', await send(polling(t.server.url), evil)],
      ['websocket', await upgrade(t.server.url, evil)],
    ] as const) {
      assert.equal(r.status, 421, what);
      assert.match(
        r.body,
        /^misdirected-request: Host "rebind\.example:\d+" is not one of this server's names .*--allowed-host rebind\.example/,
        what,
      );
    }
  });

  test("the server's own names pass: 127.0.0.1, localhost, [::1], the hostname", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostname()}:${port}`, 'localhost']) {
      assert.equal((await send(`${t.server.url}/`, { host, cookie: session })).status, 200, host);
    }
  });

  test('a foreign Origin is refused with 403 forbidden-origin everywhere, even with the session cookie', async () => {
    for (const origin of [
      `http://127.0.0.1:${port + 1}`,
      `http://localhost:${port + 1}`,
      `https://127.0.0.1:${port}`,
      'null',
      'http://evil.example',
    ]) {
      const headers = { origin, cookie: session };
      for (const [what, r] of [
        ['page', await send(`${t.server.url}/`, headers)],
        [
          'form post',
          await send(
            `${t.server.url}/api/ui/runs:submit`,
            { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
            'POST',
            'a=b',
          ),
        ],
        ['polling', await send(polling(t.server.url), headers)],
        ['websocket', await upgrade(t.server.url, headers)],
      ] as const) {
        assert.ok(r.status === 403 || r.status === 429, `${what} ${origin}: ${r.status}`);
        if (r.status === 403)
          assert.ok(
            r.body.startsWith(
              `forbidden-origin: ${origin} is not this console (allowed: http://127.0.0.1:${port}, http://localhost:${port}, http://[::1]:${port}`,
            ),
            `${what} ${origin}: ${r.body}`,
          );
      }
    }
  });

  test('without Origin, Sec-Fetch-Site cross-site or same-site is refused; none and same-origin pass', async () => {
    for (const site of ['same-site', 'cross-site']) {
      const r = await send(`${t.server.url}/assets/app.js`, { 'sec-fetch-site': site, 'sec-fetch-dest': 'script', cookie: session });
      assert.ok(r.status === 403 || r.status === 429, site);
    }
    for (const site of ['none', 'same-origin'])
      assert.equal((await send(`${t.server.url}/`, { 'sec-fetch-site': site, cookie: session })).status, 200, site);
  });

  test('refusals are limited per address and origin: the hostile origin soon gets 429, the console beside it does not', async () => {
    const foreign = `http://127.0.0.1:${port + 7}`;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await send(`${t.server.url}/`, { origin: foreign, cookie: session })).status);
    assert.deepEqual(statuses.slice(0, 5), [403, 403, 403, 403, 403]);
    assert.equal(statuses.at(-1), 429);
    assert.equal((await send(`${t.server.url}/`, { origin: `http://127.0.0.1:${port}`, cookie: session })).status, 200);
    assert.equal((await send(`${t.server.url}/`, { cookie: session })).status, 200);
    const logged = lines.filter((l) => l.includes('a browser page of another origin') && l.includes(`"origin":"${foreign}"`));
    assert.equal(logged.length, 1, 'logged once a minute per origin');
  });

  test('the own origin passes on polling and websocket; the CLI (no Origin) keeps working', async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      assert.equal((await send(polling(t.server.url), { origin })).status, 200, origin);
      assert.equal((await upgrade(t.server.url, { origin })).status, 101, origin);
    }
    const api = await send(`${t.server.url}/api/ui/server:info`, { authorization: `Bearer ${t.server.cliToken}` }, 'POST');
    assert.equal(api.status, 200);
    assert.equal(JSON.parse(api.body).ok, true);
  });

  test('socket.io-client with a foreign Origin cannot join /ui (websocket and polling); with its own it can', async () => {
    for (const transport of ['websocket', 'polling'] as const) {
      const s = io(`${t.server.url}/ui`, {
        transports: [transport],
        extraHeaders: { origin: `http://localhost:${port + 3}`, cookie: session },
        reconnection: false,
        forceNew: true,
      });
      const error = await withTimeout(new Promise<Error>((r) => s.once('connect_error', r)), 5000, `${transport} connect_error`);
      assert.ok(!s.connected, transport);
      assert.match(error.message, /websocket error|xhr poll error/, transport);
      s.close();
    }
    const own = io(`${t.server.url}/ui`, {
      transports: ['polling'],
      extraHeaders: { origin: `http://localhost:${port}`, cookie: session },
      reconnection: false,
      forceNew: true,
    });
    await withTimeout(new Promise<void>((r) => own.once('connect', () => r())), 5000, 'own origin connect');
    own.close();
  });

  test('/agent refuses any handshake that carries an Origin, even the console own', async () => {
    const s = io(`${t.server.url}/agent`, {
      transports: ['polling'],
      extraHeaders: { origin: `http://127.0.0.1:${port}` },
      auth: { identity: 'browser', key: t.server.agentKey },
      reconnection: false,
      forceNew: true,
    });
    const error = await withTimeout(
      new Promise<Error & { data?: { code?: string; message?: string } }>((r) => s.once('connect_error', r)),
      5000,
      'agent connect_error',
    );
    assert.equal(error.data?.code, 'forbidden-origin');
    assert.match(error.data?.message ?? '', /\/agent is for agents/);
    s.close();
    const agent = io(`${t.server.url}/agent`, {
      transports: ['websocket'],
      auth: { identity: 'real-agent', key: t.server.agentKey },
      reconnection: false,
      forceNew: true,
    });
    await withTimeout(new Promise<void>((r) => agent.once('connect', () => r())), 5000, 'agent connect');
    agent.close();
  });

  test('--allowed-origin lets a proxy in (its host too); --allowed-host adds a name', async () => {
    const r = await send(`${proxied.server.url}/healthz`, { origin: 'https://console.example.com', host: 'console.example.com' });
    assert.equal(r.status, 200);
    assert.equal((await send(`${proxied.server.url}/healthz`, { host: `directord.internal:${proxied.server.port}` })).status, 200);
    assert.equal(
      (await send(`${proxied.server.url}/healthz`, { origin: 'https://other.example.com', host: 'console.example.com' })).status,
      403,
    );
    assert.equal((await send(`${proxied.server.url}/healthz`, { host: 'other.example.com' })).status, 421);
  });
});
