/** Connections that never authenticate are bounded per address; authenticated ones do not count. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Manager } from 'socket.io-client';
import { connectUi, eventually, FakeAgent, startTestServer, withTimeout, type TestServer } from '../testing/harness.js';

/** An engine.io connection that joins no namespace (what a flood of idle sockets looks like). */
function idleConnection(url: string): Promise<{ ok: true; close(): void } | { ok: false; message: string }> {
  const manager = new Manager(url, { transports: ['websocket'], reconnection: false, autoConnect: false, forceNew: true } as never);
  return withTimeout(
    new Promise((resolve) => {
      manager.open((error?: Error) =>
        resolve(error ? { ok: false, message: error.message } : { ok: true, close: () => manager.engine.close() }),
      );
    }),
    5000,
    'an idle connection',
  );
}

describe('connection guard', { timeout: 30_000 }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ connectionLimits: { perAddress: 3 } });
  });
  after(() => t.stop());

  test('beyond the limit an address may not open more idle connections; an authenticated one frees its place', async () => {
    const idle = [await idleConnection(t.server.url), await idleConnection(t.server.url), await idleConnection(t.server.url)];
    assert.ok(idle.every((c) => c.ok));
    const refused = await idleConnection(t.server.url);
    assert.equal(refused.ok, false, 'the fourth idle connection from this address is refused');

    // One idle connection goes away: a console connects and authenticates; once it has joined /ui
    // it no longer counts, so an agent gets in too.
    (idle.pop() as { close(): void }).close();
    const ui = await eventually('the console connected once a place was free', () => connectUi(t.server).catch(() => undefined));
    const agent = new FakeAgent(t.server, 'node-a');
    await agent.start();
    ui.close();
    agent.close();
    for (const c of idle) if (c.ok) c.close();
  });
});
