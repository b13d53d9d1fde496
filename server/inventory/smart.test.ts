/**
 * Smart groups (named patterns, issue #16): resolved live wherever their name is used, refused
 * on a cycle (naming it) or a name clash with a host, an agent or a group, kept in SQLite, and
 * carried through export → import. Real SQLite files; the pure resolver for what a store refuses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { AgentInfo } from '../../protocol/agents.js';
import { silentLogger } from '../../protocol/log.js';
import { indexInventory, resolvePattern } from '../../protocol/inventory/resolve.js';
import { smartCycle } from '../../protocol/inventory/smart.js';
import type { InventorySnapshot } from '../../protocol/inventory/types.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { createInventoryService } from './inventory.service.js';
import { resolveTargetList } from './targets.js';

const agent = (identity: string): AgentInfo =>
  ({
    identity,
    online: true,
    machineId: 'm',
    agentVersion: '1',
    facts: { hostname: identity, os: 'Debian GNU/Linux 12', platform: 'linux' },
    firstSeen: 0,
    lastSeen: 0,
    lastHeartbeat: 0,
    expiresAt: 0,
    agentStartedAt: 0,
    running: 0,
    queued: 0,
    components: [],
  }) as unknown as AgentInfo;

const INI = `[web]
web-1 directord_labels=env=prod
web-2 directord_labels=env=prod
web-3 directord_labels=env=staging

[db]
db-1 directord_labels=env=prod
`;

async function withService(agents: AgentInfo[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'directord-smart-'));
  const path = join(dir, 'directord.db');
  const store = openSqliteStore({ path, log: silentLogger });
  const service = await createInventoryService({ store, agents: () => agents, clock: Date.now, log: silentLogger });
  const imported = await service.import({ fileName: 'hosts.ini', text: INI });
  assert.ok(imported.ok, imported.ok ? '' : imported.error.message);
  return {
    service,
    async reopen() {
      const again = openSqliteStore({ path, log: silentLogger });
      return {
        store: again,
        service: await createInventoryService({ store: again, agents: () => agents, clock: Date.now, log: silentLogger }),
      };
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const hosts = (s: InventorySnapshot, pattern: string) => {
  const r = resolvePattern(pattern, s);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value.hosts;
};

describe('smart groups', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  test('a smart group is a name in every pattern, resolved live each time', async () => {
    const t = await withService([agent('web-1')]);
    cleanups.push(t.close);
    const saved = await t.service.saveSmartGroup('prod-web', 'web:&label:env=prod');
    assert.ok(saved.ok, saved.ok ? '' : saved.error.message);
    assert.deepEqual(saved.value.smartGroups?.added, ['prod-web']);
    let s = t.service.snapshot();
    assert.deepEqual(hosts(s, 'prod-web'), ['web-1', 'web-2']);
    assert.deepEqual(hosts(s, 'prod-web:!web-2'), ['web-1']);
    assert.deepEqual(hosts(s, 'prod-web:db'), ['db-1', 'web-1', 'web-2']);
    assert.deepEqual(hosts(s, 'prod-web[0]'), ['web-1'], 'slices count in the smart group too');
    // Smart groups of smart groups.
    assert.ok((await t.service.saveSmartGroup('prod-all', 'prod-web:db')).ok);
    assert.deepEqual(hosts(t.service.snapshot(), 'prod-all:!web-1'), ['db-1', 'web-2']);

    // Live: a label changes, the smart group follows without being saved again.
    assert.ok((await t.service.edit([{ op: 'set-label', hosts: ['web-3'], key: 'env', value: 'prod' }])).ok);
    s = t.service.snapshot();
    assert.deepEqual(hosts(s, 'prod-web'), ['web-1', 'web-2', 'web-3']);
    assert.deepEqual(
      t.service.smartGroups().map((g) => [g.name, g.pattern, g.matches, g.offline]),
      [
        ['prod-all', 'prod-web:db', 4, 3],
        ['prod-web', 'web:&label:env=prod', 3, 2],
      ],
      'listed with live counts (only web-1 has an agent online)',
    );
    // A submission's targets: the plain name of a smart group is resolved like a group's.
    const targets = resolveTargetList(['prod-web'], indexInventory(s), 'targets');
    assert.ok(targets.ok);
    assert.deepEqual(targets.value, { hosts: ['web-1', 'web-2', 'web-3'], patterned: true });

    // Saving again changes the pattern; a smart group that matches nothing now lists 0, not an error.
    const changed = await t.service.saveSmartGroup('prod-web', 'web:&label:env=none');
    assert.ok(changed.ok);
    assert.deepEqual(changed.value.smartGroups?.changed, ['prod-web']);
    assert.deepEqual(
      t.service.smartGroups().find((g) => g.name === 'prod-web'),
      { name: 'prod-web', pattern: 'web:&label:env=none', matches: 0, offline: 0 },
    );
    const empty = resolvePattern('prod-web', t.service.snapshot());
    assert.equal(empty.ok, false, 'as a whole pattern, matching nothing is still refused');

    // Kept in SQLite.
    const again = await t.reopen();
    assert.deepEqual(again.service.snapshot().smartGroups, t.service.snapshot().smartGroups);
    await again.store.close();

    const removed = await t.service.removeSmartGroup('prod-all');
    assert.ok(removed.ok);
    assert.deepEqual(removed.value.smartGroups?.removed, ['prod-all']);
    const missing = await t.service.removeSmartGroup('prod-all');
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.match(missing.error.message, /no smart group is named prod-all \(there are: prod-web\)/);
  });

  test('a smart group that reaches itself is refused, naming the cycle; nothing is kept', async () => {
    const t = await withService();
    cleanups.push(t.close);
    const self = await t.service.saveSmartGroup('loop', 'web:loop');
    assert.equal(self.ok, false);
    if (!self.ok) assert.equal(self.error.message, 'smart group loop refers to itself: loop → loop');
    // A name not known yet is fine to save (resolved live); the list says why it matches nothing.
    assert.ok((await t.service.saveSmartGroup('later', 'web:&canary')).ok);
    assert.match(t.service.smartGroups().find((g) => g.name === 'later')?.error ?? '', /no host or group is named "canary"/);
    assert.ok((await t.service.saveSmartGroup('b', 'db')).ok);
    assert.ok((await t.service.saveSmartGroup('c', 'b:web')).ok);
    assert.ok((await t.service.saveSmartGroup('d', 'c:!web-3')).ok);
    const through = await t.service.saveSmartGroup('b', 'd:db');
    assert.equal(through.ok, false);
    if (!through.ok) assert.equal(through.error.message, 'smart group b refers to itself: b → d → c → b');
    assert.deepEqual(hosts(t.service.snapshot(), 'b'), ['db-1'], 'the refused save changed nothing');
    const bad = await t.service.saveSmartGroup('broken', 'web:&');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error.message, /^smart group broken: invalid target pattern "web:&"/);
  });

  test('a name that is a host, an agent or a group is refused, and so is a later host or group of a smart group name', async () => {
    const t = await withService([agent('node-9')]);
    cleanups.push(t.close);
    for (const [name, what] of [
      ['web', 'a group'],
      ['all', 'a group'],
      ['web-1', 'a host'],
      ['node-9', 'a host'],
    ] as const) {
      const r = await t.service.saveSmartGroup(name, 'db');
      assert.equal(r.ok, false, name);
      if (!r.ok) assert.equal(r.error.message, `smart group ${name}: ${what} is named ${name} already; pick another name`);
    }
    assert.ok((await t.service.saveSmartGroup('prod', 'label:env=prod')).ok);
    const group = await t.service.edit([{ op: 'add-to-group', group: 'prod', hosts: ['web-1'] }]);
    assert.equal(group.ok, false);
    if (!group.ok) assert.match(group.error.message, /smart group prod: a group is named prod already/);
    const host = await t.service.import({ fileName: 'more.ini', text: '[x]\nprod\n' });
    assert.equal(host.ok, false, 'an import declaring a host of that name is refused whole');
    assert.equal(
      t.service.snapshot().groups.some((g) => g.name === 'x'),
      false,
    );
  });

  test('an agent that enrols later under a smart group name: other edits go on, the name is refused where used', async () => {
    const agents: AgentInfo[] = [];
    const t = await withService(agents);
    cleanups.push(t.close);
    assert.ok((await t.service.saveSmartGroup('canary', 'web-1')).ok);
    agents.push(agent('canary'));
    t.service.invalidate();
    const other = await t.service.edit([{ op: 'set-label', hosts: ['web-2'], key: 'tier', value: 'web' }]);
    assert.ok(other.ok, other.ok ? '' : other.error.message);
    const used = resolvePattern('canary', t.service.snapshot());
    assert.equal(used.ok, false);
    if (!used.ok) assert.match(used.error.message, /"canary" is both a smart group and a host; rename one of them/);
    const again = await t.service.saveSmartGroup('canary', 'web-2');
    assert.equal(again.ok, false, 'saving it again is a new save: refused');
    assert.ok((await t.service.removeSmartGroup('canary')).ok);
  });

  test('export → import keeps smart groups (all.vars.directord_smart_groups), YAML, JSON and INI', async () => {
    const t = await withService();
    cleanups.push(t.close);
    assert.ok((await t.service.saveSmartGroup('prod-web', 'web:&label:env=prod')).ok);
    assert.ok((await t.service.saveSmartGroup('prod-db', 'db:&label:env=prod')).ok);
    for (const format of ['yaml', 'json'] as const) {
      const exported = t.service.export({ format });
      assert.ok(exported.ok);
      assert.match(exported.value.text, /directord_smart_groups/);
      const b = await withService();
      cleanups.push(b.close);
      const r = await b.service.import({ fileName: `exported.${format}`, text: exported.value.text, replace: true });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(r.value.smartGroups?.added, ['prod-db', 'prod-web']);
      assert.deepEqual(b.service.snapshot().smartGroups, t.service.snapshot().smartGroups, format);
      assert.equal(
        b.service.snapshot().groups.find((g) => g.name === 'all')?.vars['directord_smart_groups'],
        undefined,
        'not kept as a var',
      );
      const twice = b.service.export({ format });
      assert.ok(twice.ok);
      assert.equal(twice.value.text, exported.value.text, `${format}: import → export → import → export is stable`);
    }
    const ini = await withService();
    cleanups.push(ini.close);
    const r = await ini.service.import({
      fileName: 'hosts.ini',
      text: `${INI}\n[all:vars]\ndirectord_smart_groups={"prod-web": "web:&label:env=prod"}\n`,
    });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(hosts(ini.service.snapshot(), 'prod-web'), ['web-1', 'web-2']);
    const wrong = await ini.service.import({ fileName: 'bad.yaml', text: 'all:\n  vars:\n    directord_smart_groups: [web]\n' });
    assert.equal(wrong.ok, false);
    if (!wrong.ok)
      assert.match(
        wrong.error.message,
        /^bad\.yaml: all\.vars\.directord_smart_groups: expected a mapping of smart group names to patterns/,
      );
  });

  test('the resolver refuses a cycle or a clash that reached a snapshot another way', () => {
    const base: InventorySnapshot = {
      hosts: [{ name: 'h1', labels: {}, vars: {}, facts: null, online: false, enrolled: false, ssh: null }],
      groups: [{ name: 'g', hosts: ['h1'], children: [], vars: {} }],
    };
    const cyclic = {
      ...base,
      smartGroups: [
        { name: 'x', pattern: 'g:y' },
        { name: 'y', pattern: 'x' },
      ],
    };
    const r = resolvePattern('g:x', cyclic);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.message, 'smart group x refers to itself: x → y → x');
    assert.deepEqual(smartCycle(new Map(cyclic.smartGroups.map((g) => [g.name, g.pattern]))), ['x', 'y', 'x']);
    assert.equal(smartCycle(new Map([['a', 'b*:~a']])), null, 'globs and regexes do not reach smart groups');
    const clash = resolvePattern('g', { ...base, smartGroups: [{ name: 'g', pattern: 'h1' }] });
    assert.equal(clash.ok, false);
    if (!clash.ok) assert.match(clash.error.message, /"g" is both a smart group and a group/);
    const near = resolvePattern('prod-wbe', { ...base, smartGroups: [{ name: 'prod-web', pattern: 'g' }] });
    assert.equal(near.ok, false);
    if (!near.ok) assert.match(near.error.message, /closest: prod-web/);
  });
});
