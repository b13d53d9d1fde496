/** Console sessions and rotation of ui.token (issue #12), on their own and on a real server. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { io } from 'socket.io-client';
import { connectUi, eventually, startTestServer, withTimeout } from '../testing/harness.js';
import { createConsoleSessions, rotateSecret, watchedSecret } from './console-sessions.js';

describe('console sessions', () => {
  test('a session is valid under the token it was issued for, not after a rotation, not when tampered', () => {
    let token = 'a'.repeat(64);
    const sessions = createConsoleSessions(() => token);
    const one = sessions.issue();
    assert.match(one, /^s1\.[0-9a-f]{32}\.[0-9a-f]{64}$/);
    assert.notEqual(sessions.issue(), one);
    assert.ok(sessions.valid(one));
    for (const bad of [token, '', 's1..', one.slice(0, -1) + (one.endsWith('0') ? '1' : '0'), one.replace(/^s1/, 's2'), 42, null])
      assert.equal(sessions.valid(bad), false, String(bad));
    token = 'b'.repeat(64);
    assert.equal(sessions.valid(one), false, 'rotation ends the session');
  });

  test('watchedSecret follows a rotation on disk; rotateSecret writes 0600 atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'directord-secret-'));
    try {
      const path = join(dir, 'ui.token');
      writeFileSync(path, 'c'.repeat(64) + '\n');
      const current = watchedSecret(path, 'c'.repeat(64));
      assert.equal(current(), 'c'.repeat(64));
      const next = rotateSecret(path);
      assert.match(next, /^[0-9a-f]{64}$/);
      assert.equal(readFileSync(path, 'utf8'), next + '\n');
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(current(), next);
      writeFileSync(path, 'not a token');
      assert.equal(current(), next, 'a broken file does not change the token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(
    'on a real server, a rotation closes the console sockets of the old token and sessions; the CLI stays',
    { timeout: 30_000 },
    async () => {
      const t = await startTestServer();
      try {
        const link = await fetch(`${t.server.url}/?token=${t.server.uiToken}`, { redirect: 'manual' });
        const session = (link.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        const browser = io(`${t.server.url}/ui`, {
          transports: ['websocket'],
          extraHeaders: { cookie: session },
          reconnection: false,
          forceNew: true,
        });
        await withTimeout(new Promise<void>((r) => browser.once('connect', () => r())), 5000, 'session connect');
        const byToken = await connectUi(t.server);
        const cli = await connectUi(t.server, t.server.cliToken);
        const old = t.server.uiToken;
        const fresh = rotateSecret(join(t.dataDir, 'ui.token'));
        await eventually('old sockets closed', () => (!browser.connected && !byToken.connected ? true : undefined), 5000);
        assert.ok(cli.connected, 'the CLI socket stays');
        assert.equal(t.server.uiToken, fresh);
        assert.equal((await fetch(`${t.server.url}/?token=${old}`, { redirect: 'manual' })).status, 401);
        assert.equal((await fetch(`${t.server.url}/`, { headers: { cookie: session } })).status, 401);
        assert.equal((await fetch(`${t.server.url}/?token=${fresh}`, { redirect: 'manual' })).status, 302);
        browser.close();
        byToken.close();
        cli.close();
      } finally {
        await t.stop();
      }
    },
  );
});
