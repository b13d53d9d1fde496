/**
 * Inventory imports in each of Ansible's formats (written after its documentation's examples),
 * Directord catalogs, errors with file and line, all-or-nothing imports, the YAML round trip and
 * persistence, on a real SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { AgentInfo } from '../../protocol/agents.js';
import { silentLogger } from '../../protocol/log.js';
import { resolvePattern } from '../../protocol/inventory/resolve.js';
import type { InventorySnapshot } from '../../protocol/inventory/types.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { createInventoryService } from './inventory.service.js';

const INI = `# after docs.ansible.com "How to build your inventory"
mail.example.com

[webservers]
foo.example.com
bar.example.com:2222 ansible_user=deploy http_port=80 note="two words" directord_labels=env=prod,tier=web

[dbservers]
one.example.com ansible_host=192.0.2.10
db-[a:c].example.com

[web_range]
www[01:03].example.com

[atlanta]
host1
host2

[raleigh]
host2
host3

[southeast:children]
atlanta
raleigh

[southeast:vars]
some_server=foo.southeast.example.com
halon_system_timeout=30

[all:vars]
ntp_server=ntp.example.com
`;

const YAML = `all:
  hosts:
    mail.example.com:
  children:
    webservers:
      hosts:
        foo.example.com:
        bar.example.com:
          ansible_port: 2222
    dbservers:
      hosts:
        one.example.com:
        db-[01:02].example.com:
          tier: data
    east:
      children:
        atlanta:
          hosts:
            host1:
          vars:
            ntp: atl
      vars:
        region: east
  vars:
    ansible_user: admin
`;

const JSON_LIST = JSON.stringify({
  _meta: { hostvars: { 'web-1': { ansible_host: '198.51.100.1' }, 'web-2': {} } },
  all: { children: ['ungrouped', 'web', 'prod'] },
  web: { hosts: ['web-1', 'web-2'] },
  prod: { children: ['web'], vars: { env: 'prod' } },
  ungrouped: { hosts: ['lonely'] },
});

const CATALOG = `directord_server:
  targets:
  - host: 192.0.2.1
    username: root
directord_clients:
  args:
    port: 2200
    username: centos
  targets:
  - host: 192.0.2.2
    name: client-1
  - host: 192.0.2.3
`;

async function withService(agents: AgentInfo[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'directord-inventory-'));
  const path = join(dir, 'directord.db');
  const store = openSqliteStore({ path, log: silentLogger });
  const service = await createInventoryService({ store, agents: () => agents, clock: Date.now, log: silentLogger });
  return {
    service,
    store,
    path,
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

const names = (s: InventorySnapshot, pattern: string) => {
  const r = resolvePattern(pattern, s);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value.hosts;
};

/** The inventory as data, independent of order and of declaration times. */
const canonical = (s: InventorySnapshot) => ({
  hosts: [...s.hosts]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((h) => ({ name: h.name, labels: h.labels, vars: h.vars, ssh: h.ssh })),
  groups: [...s.groups]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((g) => ({ name: g.name, hosts: [...g.hosts].sort(), children: [...g.children].sort(), vars: g.vars })),
});

describe('inventory import and export', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  test('INI: groups, ranges, :children, :vars, inline vars, host:port, ansible_* as the SSH address', async () => {
    const t = await withService();
    cleanups.push(t.close);
    const r = await t.service.import({ fileName: 'hosts.ini', text: INI });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.ok(r.value.hosts.added.includes('www02.example.com'));
    const s = t.service.snapshot();
    assert.deepEqual(names(s, 'web_range'), ['www01.example.com', 'www02.example.com', 'www03.example.com']);
    assert.deepEqual(names(s, 'dbservers'), ['db-a.example.com', 'db-b.example.com', 'db-c.example.com', 'one.example.com']);
    assert.deepEqual(names(s, 'southeast'), ['host1', 'host2', 'host3']);
    assert.deepEqual(names(s, 'ungrouped'), ['mail.example.com']);
    assert.deepEqual(names(s, 'label:env=prod'), ['bar.example.com']);
    const bar = s.hosts.find((h) => h.name === 'bar.example.com');
    assert.deepEqual(bar?.ssh, { host: 'bar.example.com', port: 2222, user: 'deploy' });
    assert.equal(bar?.vars['http_port'], 80);
    assert.equal(bar?.vars['note'], 'two words');
    assert.equal(bar?.enrolled, false, 'declared before any agent: not enrolled');
    assert.deepEqual(s.hosts.find((h) => h.name === 'one.example.com')?.ssh, { host: '192.0.2.10' });
    assert.deepEqual(s.groups.find((g) => g.name === 'southeast')?.vars, {
      some_server: 'foo.southeast.example.com',
      halon_system_timeout: '30',
    });
    assert.deepEqual(s.groups.find((g) => g.name === 'all')?.vars, { ntp_server: 'ntp.example.com' });

    // Persisted: a fresh store reads the same inventory.
    const again = await t.reopen();
    assert.deepEqual(canonical(again.service.snapshot()), canonical(s));
    await again.store.close();
  });

  test('YAML: all/hosts/children/vars with nested children and ranges', async () => {
    const t = await withService();
    cleanups.push(t.close);
    const r = await t.service.import({ fileName: 'inventory.yaml', text: YAML });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const s = t.service.snapshot();
    assert.deepEqual(names(s, 'east'), ['host1']);
    assert.deepEqual(names(s, 'dbservers'), ['db-01.example.com', 'db-02.example.com', 'one.example.com']);
    assert.deepEqual(s.groups.find((g) => g.name === 'east')?.children, ['atlanta']);
    assert.deepEqual(s.hosts.find((h) => h.name === 'bar.example.com')?.ssh, { host: 'bar.example.com', port: 2222 });
    assert.deepEqual(names(s, 'ungrouped'), ['mail.example.com']);
  });

  test('JSON of ansible-inventory --list and a Directord bootstrap catalog', async () => {
    const t = await withService();
    cleanups.push(t.close);
    assert.ok((await t.service.import({ fileName: 'list.json', text: JSON_LIST })).ok);
    let s = t.service.snapshot();
    assert.deepEqual(names(s, 'prod'), ['web-1', 'web-2']);
    assert.deepEqual(s.hosts.find((h) => h.name === 'web-1')?.ssh, { host: '198.51.100.1' });
    assert.ok(s.hosts.some((h) => h.name === 'lonely'));
    const r = await t.service.import({ fileName: 'catalog.yaml', text: CATALOG, replace: true });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.ok(r.value.hosts.removed.includes('web-1'), '--replace removes what the file does not list');
    s = t.service.snapshot();
    assert.deepEqual(names(s, 'directord_clients'), ['192.0.2.3', 'client-1']);
    assert.deepEqual(s.hosts.find((h) => h.name === 'client-1')?.ssh, { host: '192.0.2.2', port: 2200, user: 'centos' });
    assert.deepEqual(s.hosts.find((h) => h.name === '192.0.2.1')?.ssh, { host: '192.0.2.1', user: 'root' });
  });

  test('errors name the file, the line and what was expected; a bad file changes nothing', async () => {
    const t = await withService();
    cleanups.push(t.close);
    assert.ok((await t.service.import({ fileName: 'hosts.ini', text: INI })).ok);
    const before = canonical(t.service.snapshot());
    const cases: Array<[string, string, RegExp]> = [
      ['bad.ini', '[web]\na\n[web:vars]\nnot an assignment\n', /^bad\.ini:4: "not an assignment": expected key=value in \[web:vars\]/],
      ['bad.ini', '[web\na\n', /^bad\.ini:1: "\[web": expected a section header/],
      ['bad.ini', '[web]\nweb[01:x].example.com\n', /^bad\.ini:2: web\[01:x\]\.example\.com: .*expected a range like \[01:20\]/],
      ['bad.ini', '[web]\nweb a=1 b\n', /^bad\.ini:2: "b": expected key=value/],
      ['bad.ini', '[p:children]\nweb db\n', /^bad\.ini:2: .*one group name per line/],
      [
        'bad.yaml',
        'all:\n  children:\n    web:\n      host:\n        a:\n',
        /^bad\.yaml:4: group web: unexpected key "host"; expected hosts, children or vars/,
      ],
      ['bad.yaml', 'all:\n  hosts: [a, b]\n', /^bad\.yaml:2: all\.hosts: expected a mapping/],
      ['bad.json', '{"web": {"hosts": "a"}}', /^bad\.json: web\.hosts: expected a list of names/],
      ['bad.json', '{"web": ', /^bad\.json(:1)?: not valid JSON/],
    ];
    for (const [fileName, text, message] of cases) {
      const r = await t.service.import({ fileName, text, replace: true });
      assert.equal(r.ok, false, `${fileName}: ${text}`);
      if (!r.ok) {
        assert.match(r.error.message, message);
        assert.equal(r.error.location?.file, fileName);
      }
    }
    // A file that parses but makes a cycle of children: refused whole, nothing written.
    const cycle = await t.service.import({ fileName: 'cycle.ini', text: '[newhost_group]\nnew-host\n[a:children]\nb\n[b:children]\na\n' });
    assert.equal(cycle.ok, false);
    if (!cycle.ok) assert.match(cycle.error.message, /groups may not contain themselves: a → b → a/);
    assert.deepEqual(canonical(t.service.snapshot()), before);
    const again = await t.reopen();
    assert.deepEqual(canonical(again.service.snapshot()), before, 'nothing reached the database either');
    await again.store.close();
  });

  test('round trip: import → export YAML → import gives the same inventory (labels too); JSON export re-imports', async () => {
    for (const [fileName, text] of [
      ['hosts.ini', INI],
      ['inventory.yaml', YAML],
      ['list.json', JSON_LIST],
    ] as const) {
      const a = await withService();
      cleanups.push(a.close);
      assert.ok((await a.service.import({ fileName, text })).ok);
      const exported = a.service.export({ format: 'yaml' });
      assert.ok(exported.ok);
      const b = await withService();
      cleanups.push(b.close);
      const r = await b.service.import({ fileName: 'exported.yaml', text: exported.value.text });
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual(canonical(b.service.snapshot()), canonical(a.service.snapshot()), `${fileName} round trip`);
      const json = a.service.export({ format: 'json' });
      assert.ok(json.ok);
      const c = await withService();
      cleanups.push(c.close);
      assert.ok((await c.service.import({ fileName: 'exported.json', text: json.value.text })).ok);
      assert.deepEqual(canonical(c.service.snapshot()), canonical(a.service.snapshot()), `${fileName} via JSON`);
    }
  });

  test('edits: groups, bulk membership, labels, vars (YAML), agents are hosts with facts', async () => {
    const agent = (identity: string, online: boolean): AgentInfo =>
      ({
        identity,
        online,
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
    const t = await withService([agent('web-1', true), agent('web-2', false)]);
    cleanups.push(t.close);
    const r = await t.service.edit([
      { op: 'add-to-group', group: 'web', hosts: ['web-1', 'web-2', 'web-3'] },
      { op: 'add-to-group', group: 'prod', children: ['web'] },
      { op: 'set-label', hosts: ['web-1', 'web-3'], key: 'env', value: 'prod' },
      { op: 'set-vars', owner: { group: 'web' }, yaml: 'http_port: 8080\nusers: [a, b]\n' },
      { op: 'set-var', owner: { host: 'web-3' }, key: 'ansible_host', value: '192.0.2.33' },
    ]);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    assert.deepEqual(r.value.hosts.added, ['web-1', 'web-3'], 'web-3 is declared; web-1 gets a row for its label');
    const s = t.service.snapshot();
    const res = resolvePattern('prod:&label:env=prod', s);
    assert.ok(res.ok);
    assert.deepEqual(res.value.hosts, ['web-1', 'web-3']);
    assert.deepEqual(res.value.notEnrolled, ['web-3']);
    const off = resolvePattern('web', s);
    assert.ok(off.ok);
    assert.deepEqual(off.value.offline, ['web-2']);
    assert.deepEqual(names(s, 'fact:os~Debian'), ['web-1', 'web-2']);
    assert.deepEqual(s.groups.find((g) => g.name === 'web')?.vars, { http_port: 8080, users: ['a', 'b'] });
    assert.deepEqual(s.hosts.find((h) => h.name === 'web-3')?.ssh, { host: '192.0.2.33' });

    const bad = await t.service.edit([
      { op: 'add-to-group', group: 'x', hosts: ['web-1'] },
      { op: 'set-vars', owner: { group: 'x' }, yaml: 'a: [' },
    ]);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error.message, /ops\[1\] \(set-vars\) x: the vars are not valid YAML/);
    assert.equal(
      t.service.snapshot().groups.some((g) => g.name === 'x'),
      false,
      'the whole edit was refused',
    );
    const removed = await t.service.edit([
      { op: 'remove-from-group', group: 'web', hosts: ['web-2'] },
      { op: 'remove-group', name: 'prod' },
    ]);
    assert.ok(removed.ok);
    assert.deepEqual(names(t.service.snapshot(), 'web'), ['web-1', 'web-3']);
    const again = await t.reopen();
    assert.deepEqual(canonical(again.service.snapshot()), canonical(t.service.snapshot()));
    await again.store.close();
  });
});
