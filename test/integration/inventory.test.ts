/**
 * The inventory on a real server with real agents and the CLI (issue #16): an imported Ansible
 * INI file, `exec --target 'web:!web-2'` running on exactly web-1 and web-3, `inventory list`,
 * patterns in an orchestration's `targets:`, the run keeping its pattern and hosts, re-run on the
 * same hosts and on the current inventory, and a pattern that matches nothing.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster, describeRun, marker, req, statusLines } from './harness.js';

const AGENTS = ['web-1', 'web-2', 'web-3', 'db-1'];

const INI = `[web]
web-[1:3]

[db]
db-1 directord_labels=env=prod
db-2 ansible_host=192.0.2.20 ansible_user=admin

[prod:children]
web
db
`;

describe('inventory on a real server (4 agents, CLI)', { timeout: 150_000 }, () => {
  let c: Cluster;
  before(
    async () => {
      c = await Cluster.start({ agents: AGENTS });
    },
    { timeout: 60_000 },
  );
  after(async () => {
    if (process.env.DIRECTORD_IT_LOGS) console.error(c?.logs());
    await c?.close();
  });

  test('import, list, and exec --target web:!web-2 runs on exactly web-1 and web-3', { timeout: 40_000 }, async () => {
    const file = join(c.dataDir, 'hosts.ini');
    writeFileSync(file, INI);
    const imported = await c.cli('inventory', 'import', file);
    assert.equal(imported.code, 0, describeRun(imported));
    assert.match(imported.stdout, /^hosts: 5 added \(db-1, db-2, web-1, web-2, web-3\), 0 changed, 0 removed$/m);
    assert.match(imported.stdout, /^groups: 3 added \(db, prod, web\)/m);

    const listed = await c.cli('inventory', 'list', 'prod:!web-3');
    assert.equal(listed.code, 0, describeRun(listed));
    assert.deepEqual(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/\s{2,}/)),
      [
        ['HOST', 'GROUPS', 'LABELS', 'STATE'],
        ['db-1', 'db', 'env=prod', 'online'],
        ['db-2', 'db', '-', 'not enrolled'],
        ['web-1', 'web', '-', 'online'],
        ['web-2', 'web', '-', 'online'],
      ],
    );

    const m = marker();
    const ran = await c.cli('exec', '--verb', 'RUN', `echo on-$(hostname)-${m}`, '--target', 'web:!web-2', '--poll');
    assert.equal(ran.code, 0, describeRun(ran));
    const id = statusLines(ran.stdout)[0]?.id;
    assert.ok(id, describeRun(ran));
    const [job] = await c.await([id]);
    assert.deepEqual(
      job?.targets.map((t) => [t.target, t.state]),
      [
        ['web-1', 'succeeded'],
        ['web-3', 'succeeded'],
      ],
    );

    const runs = await req(c.ui, 'runs:list', { limit: 1 });
    assert.equal(runs[0]?.pattern, 'web:!web-2');
    assert.deepEqual(runs[0]?.targets, ['web-1', 'web-3']);
  });

  test('a pattern that matches nothing is refused naming the closest names; an unknown group name too', { timeout: 20_000 }, async () => {
    const none = await c.cli('exec', '--verb', 'RUN', 'echo never', '--target', 'web:&label:env=prod', '--poll');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /pattern "web:&label:env=prod" matches no host \(closest host and group names: web/);
    const typo = await c.cli('exec', '--verb', 'RUN', 'echo never', '--target', 'wbe:!web-2', '--poll');
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /no host or group is named "wbe" \(closest: web/);
  });

  test(
    'orchestration targets: a pattern; re-run keeps the hosts, re-run on current inventory resolves again',
    { timeout: 60_000 },
    async () => {
      const file = join(c.dataDir, 'orch.yaml');
      writeFileSync(file, `- targets: ['prod:&label:env=prod', 'web[0]']\n  jobs:\n    - RUN: echo orch-${marker()}\n`);
      const ran = await c.cli('orchestrate', file, '--poll');
      assert.equal(ran.code, 0, describeRun(ran));
      const [first] = await req(c.ui, 'runs:list', { limit: 1 });
      assert.ok(first);
      assert.deepEqual(first.targets, ['db-1', 'web-1']);
      assert.equal(first.pattern, 'prod:&label:env=prod, web[0]');

      // The inventory changes: web-1 leaves the group.
      const edited = await c.cli('inventory', 'group', 'remove', 'web', 'web-1');
      assert.equal(edited.code, 0, describeRun(edited));
      assert.match(edited.stdout, /^groups: 0 added, 1 changed \(web\), 0 removed$/m);

      const same = await req(c.ui, 'runs:rerun', { runId: first.runId });
      const current = await req(c.ui, 'runs:rerun', { runId: first.runId, currentInventory: true });
      await c.await([...same.jobs, ...current.jobs].map((j) => j.jobId));
      const sameRun = await req(c.ui, 'runs:get', same.runId);
      const currentRun = await req(c.ui, 'runs:get', current.runId);
      assert.deepEqual(sameRun.targets, ['db-1', 'web-1'], 're-run: the same hosts');
      assert.equal(sameRun.pattern, 'prod:&label:env=prod, web[0]');
      assert.deepEqual(currentRun.targets, ['db-1', 'web-2'], 're-run on current inventory: web[0] is now web-2');
    },
  );

  test('inventory vars reach job templates: host over group over all; job vars and ARGs over them', { timeout: 40_000 }, async () => {
    for (const args of [
      ['var', 'set', 'group', 'all', 'greeting', 'from-all'],
      ['var', 'set', 'group', 'db', 'greeting', 'from-db'],
      ['var', 'set', 'host', 'db-1', 'who', 'db-one'],
      ['var', 'set', 'group', 'prod', 'who', 'from-prod'],
    ]) {
      const r = await c.cli('inventory', ...args);
      assert.equal(r.code, 0, describeRun(r));
    }
    const ran = await c.cli('exec', '--verb', 'RUN', 'echo {{ greeting }}-{{ who }}', '--target', 'db-1,web-3', '--poll');
    assert.equal(ran.code, 0, describeRun(ran));
    const id = statusLines(ran.stdout)[0]?.id;
    assert.ok(id, describeRun(ran));
    await c.await([id]);
    const out = async (target: string) => (await req(c.ui, 'jobs:output', { jobId: id, target })).stdout.trim();
    assert.equal(await out('db-1'), 'from-db-db-one');
    assert.equal(await out('web-3'), 'from-all-from-prod');
  });
});
