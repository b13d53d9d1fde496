/** `POST /hooks/<id>` on a real server: good and bad Bearer tokens and HMACs, vars, limits, and no console credentials. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../../cli/testing/run-cli.js';
import { connectUi, FakeAgent, request, startTestServer } from '../../server/testing/harness.js';

test(
  'a trigger starts its orchestration with allow-listed vars for a good secret, and refuses everything else',
  { timeout: 40_000 },
  async () => {
    const t = await startTestServer({ triggerLimits: { burst: 4, perMinute: 1 } });
    const ui = await connectUi(t.server);
    const agent = new FakeAgent(t.server, 'a1');
    try {
      await agent.start();
      // Four runs of the item stay open at once here (the agent completes none): it allows that
      // (refusal while running: server/library/simultaneous.test.ts).
      await request(
        ui.emitWithAck('library:save', { name: 'deploy', yaml: '- jobs:\n  - RUN: echo deploying\n', allowSimultaneous: true }),
      );
      // Through the real CLI: URL and Secret on lines of their own.
      const added = await runCli(
        '--data-dir',
        t.dataDir,
        'trigger',
        'add',
        '--name',
        'ci',
        '--library',
        'deploy',
        '--target',
        'a1',
        '--vars-from',
        'ref',
        'head_commit.id',
      );
      assert.equal(added.code, 0, added.stderr);
      const url = /^URL: (\S+\/hooks\/[0-9a-f-]+)$/m.exec(added.stdout)?.[1];
      const secret = /^Secret: (\S+)$/m.exec(added.stdout)?.[1];
      assert.ok(url?.startsWith(t.server.url) && secret, added.stdout);
      const list = await request(ui.emitWithAck('triggers:list'));
      assert.equal(list[0]?.name, 'ci');
      assert.ok(!JSON.stringify(list).includes(secret!), 'the secret is never listed');
      // Stored as a hash (Bearer) and sealed with secrets.key (HMAC): no file of the data dir holds it.
      for (const name of readdirSync(t.dataDir)) {
        const path = join(t.dataDir, name);
        if (statSync(path).isFile()) assert.ok(!readFileSync(path).includes(secret!), `${name} does not hold the trigger secret`);
      }

      const body = JSON.stringify({ ref: 'refs/heads/main', head_commit: { id: 'abc123', message: 'not allowed' }, evil: '$(rm -rf /)' });
      const post = (headers: Record<string, string>, text = body) =>
        fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: text });

      const good = await post({ authorization: `Bearer ${secret}` });
      assert.equal(good.status, 202);
      const { value } = (await good.json()) as { value: { runId: string } };
      const [job] = await agent.waitForJobs(1);
      assert.equal(job?.runId, value.runId);
      assert.deepEqual(job?.vars, { ref: 'refs/heads/main', head_commit_id: 'abc123' }, 'only the allow-listed fields');
      const run = await request(ui.emitWithAck('runs:get', value.runId));
      assert.equal(run.requestedBy, 'trigger:ci');
      assert.equal(run.source, 'library:deploy');

      const hmac = `sha256=${createHmac('sha256', secret!).update(body).digest('hex')}`;
      assert.equal((await post({ 'x-hub-signature-256': hmac })).status, 202, 'GitHub-style HMAC of the raw body');
      assert.equal((await post({ 'x-hub-signature-256': hmac }, body + ' ')).status, 401, 'the HMAC of another body');
      assert.equal(
        (await post({ 'x-hub-signature-256': `sha256=${createHmac('sha256', 'wrong').update(body).digest('hex')}` })).status,
        401,
        'an HMAC with another key',
      );
      assert.equal((await post({ authorization: `Bearer ${secret}x` })).status, 401, 'a wrong Bearer token');
      assert.equal((await post({})).status, 401, 'no credential');
      assert.equal((await post({ authorization: `Bearer ${t.server.uiToken}` })).status, 401, "the console's token is not the trigger's");
      assert.equal((await post({ authorization: `Bearer ${t.server.cliToken}` })).status, 401, "nor is the CLI's");
      // A signed-in browser's cookie opens nothing here.
      const signIn = await fetch(`${t.server.url}/?token=${t.server.uiToken}`, { redirect: 'manual' });
      const cookie = signIn.headers.get('set-cookie')?.split(';')[0];
      assert.ok(cookie);
      assert.equal((await post({ cookie })).status, 401, 'the console cookie is not a trigger credential');
      // A page of another origin is stopped by the browser gate before the route.
      assert.equal((await post({ authorization: `Bearer ${secret}`, origin: 'http://127.0.0.1:9999' })).status, 403);
      const unknown = await fetch(`${t.server.url}/hooks/00000000-0000-0000-0000-000000000000`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(unknown.status, 401, 'an unknown id looks like a bad secret');
      assert.equal((await fetch(url!)).status, 405);

      // Two accepted so far; the burst of 4 allows two more, then 429.
      assert.equal((await post({ authorization: `Bearer ${secret}` })).status, 202);
      assert.equal((await post({ authorization: `Bearer ${secret}` })).status, 202);
      const limited = await post({ authorization: `Bearer ${secret}` });
      assert.equal(limited.status, 429);
      assert.equal((await request(ui.emitWithAck('runs:list', { requestedBy: 'trigger:ci' }))).length, 4);
      // The hook is a door like the others: what it started and what it refused is in the audit log.
      const audited = await request(ui.emitWithAck('audit:list', { action: 'trigger:fire' }));
      assert.equal(audited.filter((e) => e.user === 'trigger:ci' && e.result === 'ok').length, 4);
      assert.ok(audited.some((e) => e.user === 'anonymous' && e.result === 'refused'));

      // Bearer-only keeps no key: an HMAC cannot be checked, so it is refused.
      const bearerOnly = await request(
        ui.emitWithAck('triggers:add', { name: 'bearer-only', source: { library: 'deploy' }, target: 'a1', auth: 'bearer' }),
      );
      const hmac2 = `sha256=${createHmac('sha256', bearerOnly.secret).update('{}').digest('hex')}`;
      assert.equal(
        (await fetch(`${t.server.url}${bearerOnly.path}`, { method: 'POST', headers: { 'x-hub-signature-256': hmac2 }, body: '{}' }))
          .status,
        401,
      );
      assert.equal(
        (
          await fetch(`${t.server.url}${bearerOnly.path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${bearerOnly.secret}` },
            body: '{}',
          })
        ).status,
        202,
      );

      assert.equal((await runCli('--data-dir', t.dataDir, 'trigger', 'rm', 'ci')).code, 0);
      assert.equal((await post({ authorization: `Bearer ${secret}` })).status, 401, 'a removed trigger is gone');
    } finally {
      agent.close();
      ui.close();
      await t.stop();
    }
  },
);
