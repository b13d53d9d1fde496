/** `directord notify add|list|test|rm` against a real server and a real HTTP endpoint on loopback. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runCli } from '../../cli/testing/run-cli.js';
import { startTestServer } from '../../server/testing/harness.js';

test('notify add, list, test and rm through the CLI; the test event is signed', { timeout: 30_000 }, async () => {
  const bodies: { body: string; signature: string | undefined }[] = [];
  const http = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push({ body, signature: req.headers['x-directord-signature'] as string | undefined });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`;
  const t = await startTestServer({ notify: { retryDelaysMs: [50], timeoutMs: 5000 } });
  try {
    const added = await runCli(
      '--data-dir',
      t.dataDir,
      'notify',
      'add',
      '--name',
      'ci-hook',
      '--webhook',
      url,
      '--secret',
      'topsecret',
      '--on',
      'failed,halted,awaiting-approval',
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      /^Notification ci-hook added \(webhook http:\/\/127\.0\.0\.1:\d+\/hook, on failed,halted,awaiting-approval\)\n$/,
    );
    const list = await runCli('--data-dir', t.dataDir, 'notify', 'list');
    assert.match(list.stdout, /ci-hook\s+webhook\s+http:\/\/127\.0\.0\.1:\d+\/hook\s+failed,halted,awaiting-approval\s+\(all\)\s+yes/);
    assert.ok(!list.stdout.includes('topsecret'));
    const tested = await runCli('--data-dir', t.dataDir, 'notify', 'test', 'ci-hook');
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /1\s+delivered\s+HTTP 204/);
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0]!.signature, `sha256=${createHmac('sha256', 'topsecret').update(bodies[0]!.body).digest('hex')}`);
    const bad = await runCli('--data-dir', t.dataDir, 'notify', 'add', '--name', 'x', '--slack', url, '--on', 'exploded');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--on exploded: expected a comma-separated list of started, succeeded, failed, halted, awaiting-approval/);
    const both = await runCli(
      '--data-dir',
      t.dataDir,
      'notify',
      'add',
      '--name',
      'x',
      '--slack',
      url,
      '--email',
      'a@b.c',
      '--on',
      'failed',
    );
    assert.match(both.stderr, /exactly one of --webhook URL, --slack URL and --email ADDR/);
    assert.equal((await runCli('--data-dir', t.dataDir, 'notify', 'rm', 'ci-hook')).code, 0);
    assert.equal((await runCli('--data-dir', t.dataDir, 'notify', 'list')).code, 1);
  } finally {
    await t.stop();
    await new Promise<void>((r) => http.close(() => r()));
  }
});
