/**
 * Issue #5, transport security and identities, end to end: a real server with TLS forced on
 * 127.0.0.1 and real agent processes (dist bundle). Enrolment with a token turns into a
 * per-agent credential and a pinned certificate; bad tokens are refused clearly; revocation
 * disconnects at once; a regenerated certificate is refused with both fingerprints named.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { eventually, sleep } from '../integration/harness.js';
import { ask, SecurityStack, value, type UiSocket } from './stack.js';

const REFUSED = 78;

describe('enrolment, pinning and revocation over TLS (real agents)', { timeout: 240_000 }, () => {
  const stack = new SecurityStack({ tls: 'on' });
  let ui: UiSocket;
  let port = 0;
  const cacheOf = (name: string) => join(stack.dataDir, 'remote', name);
  const enrolled = (name: string, token: string, extra: string[] = []) =>
    stack.agent(['--server', stack.s.url, '--token', token, '--name', name, '--cache-dir', cacheOf(name), ...extra]);
  const restarted = (name: string) => stack.agent(['--server', stack.s.url, '--name', name, '--cache-dir', cacheOf(name)]);
  const token = async (uses = 1, ttlMs?: number) =>
    value(await ask(ui, 'enrolments:create', { uses, ...(ttlMs ? { ttlMs } : {}), note: 'security test' }));

  before(async () => {
    const server = await stack.start();
    port = server.port;
    ui = await stack.ui(server.uiToken);
  });
  after(async (t) => {
    if ((t as unknown as { passed?: boolean }).passed === false) process.stderr.write(stack.logs());
    await stack.close();
  });

  test('the listener speaks TLS with a self-signed certificate generated into the data dir', () => {
    assert.match(stack.s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(stack.s.fingerprint ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(statSync(join(stack.dataDir, 'tls.key')).mode & 0o777, 0o600);
    const info = JSON.parse(readFileSync(join(stack.dataDir, 'server.json'), 'utf8')) as { url: string; fingerprint?: string };
    assert.equal(info.fingerprint, stack.s.fingerprint, 'server.json carries the fingerprint');
    assert.ok(
      stack.serverLog.some((l) => l.includes(`TLS certificate SHA-256 fingerprint: ${stack.s.fingerprint}`)),
      'printed on start',
    );
  });

  test('a token turns into a credential and a pin; a restarted agent reconnects with them', async () => {
    const created = await token(1);
    assert.equal(created.fingerprint, stack.s.fingerprint);
    const first = await enrolled('sec-one', created.token);
    await stack.online(ui, 'sec-one');
    assert.match(first.stdout, new RegExp(`Server certificate SHA-256 fingerprint: ${stack.s.fingerprint}`));
    const file = join(cacheOf('sec-one'), 'enrolment.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { credential: string; fingerprint: string; identity: string };
    assert.equal(stored.fingerprint, stack.s.fingerprint);
    assert.equal(stored.identity, 'sec-one');
    assert.ok(
      stored.credential.length >= 40 && !readFileSync(file, 'utf8').includes(created.token),
      'the credential is not the token, and the token is not kept',
    );

    // The server keeps hashes only.
    const db = new Database(stack.s.dbPath, { readonly: true });
    try {
      const row = db.prepare('SELECT secret_hash FROM agent_credentials WHERE identity = ?').get('sec-one') as { secret_hash: string };
      assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
      const dump =
        JSON.stringify(db.prepare('SELECT * FROM enrolment_tokens').all()) +
        JSON.stringify(db.prepare('SELECT * FROM agent_credentials').all());
      assert.ok(!dump.includes(stored.credential) && !dump.includes(created.token), 'neither secret is stored in clear');
    } finally {
      db.close();
    }

    first.signal('SIGTERM');
    assert.equal((await first.exited()).code, 0);
    await stack.online(ui, 'sec-one', false);
    const again = await restarted('sec-one');
    await stack.online(ui, 'sec-one');
    assert.ok(again.running);
    assert.doesNotMatch(again.stdout, /Enrolled/, 'no second enrolment');
  });

  test('an unknown, an expired and a used-up token are each refused clearly; the agent does not retry', async () => {
    const cases: Array<[string, string, RegExp]> = [];
    cases.push(['sec-unknown', `${randomBytes(6).toString('hex')}.${randomBytes(32).toString('base64url')}`, /unknown enrolment token/]);
    const short = await token(1, 1000);
    cases.push(['sec-expired', short.token, /enrolment token [0-9a-f]{12} \(security test\) expired at \d{4}-/]);
    const single = await token(1);
    const used = await enrolled('sec-single', single.token);
    await stack.online(ui, 'sec-single');
    cases.push(['sec-used', single.token, /has been used 1 of 1 time\(s\); create a new one/]);
    await sleep(1100);
    for (const [name, t, message] of cases) {
      const proc = await enrolled(name, t);
      const exit = await proc.exited(20_000);
      assert.equal(exit.code, REFUSED, `${name}: ${proc.stderr}`);
      assert.match(proc.stderr, message, name);
      assert.ok(!existsSync(join(cacheOf(name), 'enrolment.json')), `${name}: nothing stored`);
    }
    used.signal('SIGTERM');
    await used.exited();
  });

  test('a multi-use token enrols N agents, then no more', async () => {
    const multi = await token(3);
    const names = ['sec-m1', 'sec-m2', 'sec-m3'];
    const procs = await Promise.all(names.map((n) => enrolled(n, multi.token)));
    for (const n of names) await stack.online(ui, n);
    const fourth = await enrolled('sec-m4', multi.token);
    assert.equal((await fourth.exited(20_000)).code, REFUSED);
    assert.match(fourth.stderr, /has been used 3 of 3 time\(s\)/);
    const listed = value(await ask(ui, 'enrolments:list')).find((e) => e.id === multi.id);
    assert.deepEqual([listed?.uses, listed?.maxUses, listed?.state], [3, 3, 'exhausted']);
    for (const p of procs.slice(1)) {
      p.signal('SIGTERM');
      await p.exited();
    }
  });

  test('revoking a connected agent disconnects it within a second and its credential is refused after', async () => {
    // sec-m1 is still running from the multi-use test.
    await stack.online(ui, 'sec-m1');
    const running = stack.procs.find((p) => p.name.includes('--name sec-m1') && p.name.includes('--token') && p.running);
    assert.ok(running, 'the enrolled sec-m1 is running');
    const started = Date.now();
    const result = value(await ask(ui, 'agents:revoke', { identity: 'sec-m1', reason: 'security test' }));
    assert.equal(result.disconnected, true);
    await stack.online(ui, 'sec-m1', false, 1000);
    assert.ok(Date.now() - started < 1000, `offline after ${Date.now() - started} ms`);
    const exit = await running.exited(10_000);
    assert.equal(exit.code, REFUSED, running.stderr);
    assert.match(running.stderr, /revoked/);
    const listed = value(await ask(ui, 'agents:list')).find((a) => a.identity === 'sec-m1');
    assert.equal(listed?.revoked, true);

    const retry = await restarted('sec-m1');
    assert.equal((await retry.exited(20_000)).code, REFUSED, retry.stderr);
    assert.match(retry.stderr, /agent sec-m1 was revoked at .* by security-test|agent sec-m1 was revoked at .* by console/);
    assert.match(retry.stderr, /enrol it again with a new token/);
  });

  test('an agent enrolling while the server is down waits for it, then enrols with its token once the server is back', async () => {
    const created = await token(1);
    ui.close();
    await stack.s.close();
    const waiting = await enrolled('sec-early', created.token);
    await eventually(
      'a retry is announced',
      () => (/cannot reach the server at .*; trying again in \d+\.\d s/.test(waiting.stderr) ? true : undefined),
      10_000,
    );
    assert.ok(waiting.running, `it keeps waiting: ${waiting.stderr}`);
    const server = await stack.start(port);
    ui = await stack.ui(server.uiToken);
    await stack.online(ui, 'sec-early', true, 30_000);
    assert.match(waiting.stdout, /Enrolled as sec-early/);
    assert.ok(existsSync(join(cacheOf('sec-early'), 'enrolment.json')));
    waiting.signal('SIGTERM');
    assert.equal((await waiting.exited()).code, 0);
  });

  test('a regenerated server certificate is refused, naming both fingerprints', async () => {
    await stack.online(ui, 'sec-one');
    const old = stack.s.fingerprint ?? '';
    const agentProc = stack.procs.find((p) => p.name.includes('--name sec-one') && !p.name.includes('--token') && p.running);
    assert.ok(agentProc);
    ui.close();
    await stack.s.close();
    rmSync(join(stack.dataDir, 'tls.key'));
    rmSync(join(stack.dataDir, 'tls.crt'));
    const server = await stack.start(port);
    assert.notEqual(server.fingerprint, old);
    const exit = await agentProc.exited(30_000);
    assert.equal(exit.code, REFUSED, agentProc.stderr);
    assert.match(agentProc.stderr, /TLS certificate changed/);
    assert.ok(agentProc.stderr.includes(old) && agentProc.stderr.includes(server.fingerprint ?? 'missing'), 'names both fingerprints');
    assert.match(agentProc.stderr, /enrol this agent again with a new token/);
    ui = await stack.ui(server.uiToken);
    const listed = value(await ask(ui, 'agents:list')).find((a) => a.identity === 'sec-one');
    assert.equal(listed?.online, false, 'it never connected to the new certificate');
    await eventually('no reconnect attempts', () => (agentProc.running ? undefined : true), 1000);
  });
});
