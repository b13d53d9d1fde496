/** The HTTP mirror of the /ui requests: auth, payload handling and errors as values. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createLogger } from '../../protocol/log.js';
import { fail, ok, type Result } from '../../protocol/result.js';
import type { UiRequests } from '../ui/ui.requests.js';
import { createUiApi } from './ui-api.js';

const TOKEN = 't'.repeat(64);
const seen: Array<{ event: string; payload: unknown; client: string }> = [];
const requests: UiRequests = {
  events: () => ['server:info', 'runs:get', 'boom'],
  has: (event) => ['server:info', 'runs:get', 'boom'].includes(event),
  handle(event, payload, caller) {
    seen.push({ event, payload, client: caller.client });
    if (event === 'boom') return Promise.resolve(fail('internal', 'boom failed on the server'));
    return Promise.resolve(ok({ event, payload: payload ?? null }));
  },
};
let server: Server;
let base: string;

before(async () => {
  const api = createUiApi({
    requests,
    authenticate: (token, req) =>
      token === TOKEN
        ? ok({ client: String(req.headers['x-directord-client'] ?? 'cli') })
        : fail('unauthorized', 'wrong or missing token: send "Authorization: Bearer <token>" with the CLI token'),
    log: createLogger('test', () => undefined, 'error'),
    maxBodyBytes: 1024,
  });
  server = createServer((req, res) => {
    if (!api(req, res, new URL(req.url ?? '/', 'http://x').pathname)) {
      res.writeHead(404);
      res.end('other');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: Result<unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  const res = await fetch(base + path, { method: 'POST', ...init, headers, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as Result<unknown> };
}

test('a request with a payload gets the handler result; the caller is named by the header', async () => {
  const r = await call('/api/ui/runs:get', { body: JSON.stringify('run-1'), headers: { 'x-directord-client': 'cli' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { ok: true, value: { event: 'runs:get', payload: 'run-1' } });
  assert.deepEqual(seen.at(-1), { event: 'runs:get', payload: 'run-1', client: 'cli' });
});

test('an event without payload takes an empty body (and ignores any sent)', async () => {
  assert.deepEqual((await call('/api/ui/server:info', { body: '' })).body, { ok: true, value: { event: 'server:info', payload: null } });
  assert.deepEqual((await call('/api/ui/server:info', { body: '{"x":1}' })).body, {
    ok: true,
    value: { event: 'server:info', payload: null },
  });
});

test('handler errors travel as values with HTTP 200', async () => {
  const r = await call('/api/ui/boom', { body: '{}' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { ok: false, error: { code: 'internal', message: 'boom failed on the server' } });
});

test('wrong or missing token: 401 with a clear error, the handler never runs', async () => {
  const before = seen.length;
  for (const token of ['x'.repeat(64), null]) {
    const r = await call('/api/ui/runs:get', { body: '"run-1"', token });
    assert.equal(r.status, 401);
    assert.equal(r.body.ok, false);
    assert.match(!r.body.ok ? r.body.error.message : '', /Authorization: Bearer/);
  }
  assert.equal(seen.length, before);
});

test('unknown event, wrong method, bad JSON, empty body and oversized body each get their own error', async () => {
  const unknown = await call('/api/ui/nope', { body: '{}' });
  assert.equal(unknown.status, 404);
  assert.match(!unknown.body.ok ? unknown.body.error.message : '', /unknown request "nope"; known: boom, runs:get, server:info/);

  const get = await fetch(`${base}/api/ui/runs:get`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');

  const bad = await call('/api/ui/runs:get', { body: '{"a":' });
  assert.equal(bad.status, 400);
  assert.match(!bad.body.ok ? bad.body.error.message : '', /^runs:get: the request body is not JSON/);

  const empty = await call('/api/ui/runs:get', { body: '' });
  assert.equal(empty.status, 400);
  assert.match(!empty.body.ok ? empty.body.error.message : '', /body is empty/);

  const big = await call('/api/ui/runs:get', { body: JSON.stringify('x'.repeat(2000)) });
  assert.equal(big.status, 413);
  assert.deepEqual(big.body, { ok: false, error: { code: 'too-large', message: 'runs:get: the request body is larger than 1024 bytes' } });
});

test('other paths are left to the rest of the HTTP handler', async () => {
  const res = await fetch(`${base}/api/other`, { method: 'POST' });
  assert.equal(res.status, 404);
  assert.equal(await res.text(), 'other');
});
