/**
 * Notifications against real endpoints on loopback: an HTTP server (HMAC checked, 500s retried,
 * a slow endpoint that must not delay the run) and a real SMTP server (smtp-server).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { RunEventPayload } from '../../protocol/automation.js';
import { connectUi, eventually, FakeAgent, request, startTestServer } from '../testing/harness.js';

type Hit = { path: string; headers: IncomingMessage['headers']; body: string; at: number };

async function endpoint(handle: (hit: Hit, count: number) => Promise<number> | number) {
  const hits: Hit[] = [];
  const counts = new Map<string, number>();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      hits.push(hit);
      const n = (counts.get(hit.path) ?? 0) + 1;
      counts.set(hit.path, n);
      void Promise.resolve(handle(hit, n)).then((status) => {
        res.writeHead(status);
        res.end();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test(
  'webhook, Slack and retries on real HTTP: signed bodies, per-host counts, a slow endpoint never delays the run',
  { timeout: 40_000 },
  async () => {
    const http = await endpoint(async (hit, n) => {
      if (hit.path === '/flaky') return n <= 2 ? 500 : 200;
      if (hit.path === '/slow') await new Promise((r) => setTimeout(r, 3000));
      if (hit.path === '/gone') return 404;
      return 200;
    });
    const t = await startTestServer({ notify: { retryDelaysMs: [50, 100, 200], timeoutMs: 5000 } });
    const ui = await connectUi(t.server);
    const agent = new FakeAgent(t.server, 'a1');
    try {
      await agent.start();
      const hook = await request(
        ui.emitWithAck('notify:add', {
          name: 'hook',
          channel: { kind: 'webhook', url: `${http.url}/hook?token=abc`, secret: 's3cret' },
          on: ['started', 'succeeded', 'failed'],
        }),
      );
      assert.equal(hook.destination, `${http.url}/hook`, 'the query (a token, often) is not listed');
      assert.equal(hook.hasSecret, true);
      await request(
        ui.emitWithAck('notify:add', { name: 'slack', channel: { kind: 'slack', url: `${http.url}/slack` }, on: ['succeeded'] }),
      );
      await request(
        ui.emitWithAck('notify:add', { name: 'flaky', channel: { kind: 'webhook', url: `${http.url}/flaky` }, on: ['succeeded'] }),
      );
      await request(
        ui.emitWithAck('notify:add', { name: 'gone', channel: { kind: 'webhook', url: `${http.url}/gone` }, on: ['succeeded'] }),
      );
      await request(
        ui.emitWithAck('notify:add', { name: 'slow', channel: { kind: 'webhook', url: `${http.url}/slow` }, on: ['started', 'succeeded'] }),
      );
      await request(ui.emitWithAck('library:save', { name: 'other', yaml: '- jobs:\n  - RUN: echo x\n' }));
      await request(
        ui.emitWithAck('notify:add', {
          name: 'only-other',
          channel: { kind: 'webhook', url: `${http.url}/other` },
          on: ['started', 'succeeded'],
          library: 'other',
        }),
      );
      const bad = await ui.emitWithAck('notify:add', {
        name: 'bad',
        channel: { kind: 'webhook', url: 'file:///etc/passwd' },
        on: ['started'],
      });
      assert.match(bad.ok ? '' : bad.error.message, /only http and https/);
      const badEvent = await ui.emitWithAck('notify:add', {
        name: 'bad',
        channel: { kind: 'slack', url: `${http.url}/x` },
        on: ['exploded' as 'started'],
      });
      assert.equal(badEvent.ok ? '' : badEvent.error.code, 'invalid-payload');

      const t0 = Date.now();
      const run = await request(
        ui.emitWithAck('runs:submit', { kind: 'exec', entries: [{ jobs: [{ verb: 'RUN', text: 'echo notified' }] }] }),
      );
      const [job] = await agent.waitForJobs(1);
      const dispatchMs = Date.now() - t0;
      assert.ok(dispatchMs < 1000, `dispatch took ${dispatchMs} ms with a 3 s endpoint subscribed`);
      await agent.complete(job!);
      await request(ui.emitWithAck('jobs:await', { jobIds: [job!.jobId], timeoutMs: 5000 }));
      const settledMs = Date.now() - t0;
      assert.ok(settledMs < 2000, `the run settled after ${settledMs} ms`);

      const hookHits = await eventually('started and succeeded on /hook', () => {
        const h = http.hits.filter((x) => x.path.startsWith('/hook'));
        return h.length >= 2 ? h : undefined;
      });
      for (const hit of hookHits) {
        const expected = `sha256=${createHmac('sha256', 's3cret').update(hit.body).digest('hex')}`;
        assert.equal(hit.headers['x-directord-signature'], expected, 'HMAC of the raw body with the secret');
        assert.notEqual(hit.headers['x-directord-signature'], `sha256=${createHmac('sha256', 'other').update(hit.body).digest('hex')}`);
      }
      const bodies = hookHits.map((h) => JSON.parse(h.body) as RunEventPayload);
      assert.deepEqual(bodies.map((b) => b.event).sort(), ['started', 'succeeded']);
      const done = bodies.find((b) => b.event === 'succeeded')!;
      assert.equal(done.run.runId, run.runId);
      assert.deepEqual(done.hosts, { a1: { succeeded: 1 } });
      const slack = await eventually('slack message', () => http.hits.find((x) => x.path === '/slack'));
      assert.match((JSON.parse(slack.body) as { text: string }).text, new RegExp(`run ${run.runId} succeeded .*a1: 1 succeeded`));

      const flaky = await eventually('three attempts on /flaky', async () => {
        const d = await request(ui.emitWithAck('notify:deliveries', { name: 'flaky' }));
        return d.length >= 3 ? d : undefined;
      });
      assert.deepEqual(flaky.map((d) => [d.attempt, d.status, d.detail]).reverse(), [
        [1, 'retrying', 'HTTP 500'],
        [2, 'retrying', 'HTTP 500'],
        [3, 'delivered', 'HTTP 200'],
      ]);
      const gone = await eventually('the 404', async () => {
        const d = await request(ui.emitWithAck('notify:deliveries', { name: 'gone' }));
        return d.length ? d : undefined;
      });
      assert.deepEqual(
        gone.map((d) => [d.attempt, d.status]),
        [[1, 'failed']],
        'a 404 is not retried',
      );
      const slow = await eventually(
        'slow deliveries logged',
        async () => {
          const d = await request(ui.emitWithAck('notify:deliveries', { name: 'slow' }));
          return d.length >= 2 ? d : undefined;
        },
        10_000,
      );
      assert.ok(slow.every((d) => d.status === 'delivered'));
      assert.equal(http.hits.filter((x) => x.path === '/other').length, 0, 'a per-item notification ignores other runs');
      // Secrets never appear in a listing.
      assert.ok(!JSON.stringify(await request(ui.emitWithAck('notify:list'))).includes('s3cret'));
    } finally {
      agent.close();
      ui.close();
      await t.stop();
      await http.close();
    }
  },
);

test('email through a real SMTP server on loopback (notify:test)', { timeout: 30_000 }, async () => {
  const mails: { from: string; to: string[]; data: string }[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  const port = (smtp.server.address() as AddressInfo).port;
  const t = await startTestServer({
    notify: { smtp: { host: '127.0.0.1', port, from: 'directord@example.test' }, retryDelaysMs: [50], timeoutMs: 5000 },
  });
  const ui = await connectUi(t.server);
  try {
    await request(ui.emitWithAck('notify:add', { name: 'ops-mail', channel: { kind: 'email', to: 'ops@example.test' }, on: ['failed'] }));
    const [attempt] = await request(ui.emitWithAck('notify:test', 'ops-mail'));
    assert.equal(attempt?.status, 'delivered', attempt?.detail);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]?.from, 'directord@example.test');
    assert.deepEqual(mails[0]?.to, ['ops@example.test']);
    assert.match(mails[0]!.data, /Subject: \[directord\] run failed: notify test/);
    assert.match(mails[0]!.data, /"requestedBy": "notify:test"/);
  } finally {
    ui.close();
    await t.stop();
    await new Promise<void>((r) => smtp.close(() => r()));
  }
});
