/** The host-pattern grammar as a table: each operator, the order they apply in, and the errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { indexInventory, resolvePattern, resolvePatterns } from './resolve.js';
import type { InventoryHost, InventorySnapshot } from './types.js';

const host = (name: string, extra: Partial<InventoryHost> = {}): InventoryHost => ({
  name,
  labels: {},
  vars: {},
  facts: { hostname: name, os: 'Debian GNU/Linux 12', platform: 'linux' },
  online: true,
  enrolled: true,
  ssh: null,
  ...extra,
});

const inventory: InventorySnapshot = {
  hosts: [
    host('web-1', { labels: { env: 'prod' } }),
    host('web-2', { labels: { env: 'prod' }, online: false }),
    host('web-3', { labels: { env: 'prod' } }),
    host('web-10', { labels: { env: 'staging' } }),
    host('db-1', { labels: { env: 'prod', tier: 'data' }, facts: { hostname: 'db-1', os: 'Rocky Linux 9', platform: 'linux' } }),
    host('db-2', { enrolled: false, online: false, facts: null }),
    host('lb', { labels: {} }),
    host('both'),
  ],
  groups: [
    { name: 'web', hosts: ['web-1', 'web-2', 'web-3', 'web-10'], children: [], vars: {} },
    { name: 'db', hosts: ['db-1', 'db-2'], children: [], vars: {} },
    { name: 'prod', hosts: ['lb'], children: ['web', 'db'], vars: {} },
    { name: 'edge', hosts: ['lb'], children: ['edge-inner'], vars: {} },
    { name: 'edge-inner', hosts: [], children: ['edge'], vars: {} },
    { name: 'both', hosts: ['web-1'], children: [], vars: {} },
  ],
};

type Row = [pattern: string, hosts: string[]];
const table: Row[] = [
  ['web', ['web-1', 'web-2', 'web-3', 'web-10']],
  ['web-3', ['web-3']],
  ['all', ['both', 'db-1', 'db-2', 'lb', 'web-1', 'web-2', 'web-3', 'web-10']],
  ['*', ['both', 'db-1', 'db-2', 'lb', 'web-1', 'web-2', 'web-3', 'web-10']],
  ['ungrouped', ['both']],
  ['web:db', ['db-1', 'db-2', 'web-1', 'web-2', 'web-3', 'web-10']],
  ['web,db', ['db-1', 'db-2', 'web-1', 'web-2', 'web-3', 'web-10']],
  ['prod', ['db-1', 'db-2', 'lb', 'web-1', 'web-2', 'web-3', 'web-10']],
  ['web:&label:env=prod', ['web-1', 'web-2', 'web-3']],
  ['web:!web-3', ['web-1', 'web-2', 'web-10']],
  ['!web-3:web', ['web-1', 'web-2', 'web-10']],
  ['web:!web-3:&label:env=prod', ['web-1', 'web-2']],
  ['!web:&label:env=prod', ['db-1']],
  ['web*', ['web-1', 'web-2', 'web-3', 'web-10']],
  ['web-?', ['web-1', 'web-2', 'web-3']],
  ['~web-\\d+', ['web-1', 'web-2', 'web-3', 'web-10']],
  ['~^db', ['db-1', 'db-2']],
  ['~-(1|3)$', ['web-1', 'web-3', 'db-1']],
  ['web[0]', ['web-1']],
  ['web[-1]', ['web-10']],
  ['web[0:2]', ['web-1', 'web-2', 'web-3']],
  ['web[1:]', ['web-2', 'web-3', 'web-10']],
  ['web[:1]', ['web-1', 'web-2']],
  ['web[0:1]:db', ['db-1', 'db-2', 'web-1', 'web-2']],
  ['label:env=prod', ['db-1', 'web-1', 'web-2', 'web-3']],
  ['label:tier', ['db-1']],
  ['fact:os=Rocky Linux 9', ['db-1']],
  ['fact:os~Deb', ['both', 'lb', 'web-1', 'web-2', 'web-3', 'web-10']],
  ['fact:os~^Rocky,web-1', ['db-1', 'web-1']],
  ['edge', ['lb']],
  ['db:&web', []],
];

describe('host patterns', () => {
  const index = indexInventory(inventory);
  for (const [pattern, hosts] of table) {
    test(`${pattern} → ${hosts.join(' ') || '(error: matches nothing)'}`, () => {
      const r = resolvePattern(pattern, index);
      if (!hosts.length) {
        assert.equal(r.ok, false);
        if (!r.ok) assert.equal(r.error.code, 'unknown-target');
        return;
      }
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual([...r.value.hosts].sort(), [...hosts].sort());
    });
  }

  test('the order of hosts is natural (web-2 before web-10)', () => {
    const r = resolvePattern('web', inventory);
    assert.ok(r.ok);
    assert.deepEqual(r.value.hosts, ['web-1', 'web-2', 'web-3', 'web-10']);
  });

  test('offline and not-enrolled members are reported, not dropped', () => {
    const r = resolvePattern('prod', inventory);
    assert.ok(r.ok);
    assert.ok(r.value.hosts.includes('web-2') && r.value.hosts.includes('db-2'));
    assert.deepEqual(r.value.offline, ['web-2']);
    assert.deepEqual(r.value.notEnrolled, ['db-2']);
  });

  test('a name that is both a host and a group is refused naming both', () => {
    const r = resolvePattern('web:both', inventory);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'conflict');
      assert.match(r.error.message, /"both" is both a host and a group/);
    }
  });

  test('an unknown name is an error naming the closest hosts and groups', () => {
    const r = resolvePattern('wbe:!web-3', inventory);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'unknown-target');
      assert.match(r.error.message, /no host or group is named "wbe" \(closest: web/);
    }
    const excluded = resolvePattern('web:!web-33', inventory);
    assert.equal(excluded.ok, false, 'a typo in an exclusion is an error too, not a silent no-op');
  });

  test('a pattern that matches nothing names the closest names', () => {
    const r = resolvePattern('webs*', inventory);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error.message, /pattern "webs\*" matches no host \(closest host and group names: web/);
  });

  const errors: Array<[string, RegExp]> = [
    ['', /the pattern is empty/],
    ['web::db', /an empty term/],
    ['web:', /an empty term/],
    ['web:!', /has an operator but no host/],
    ['~(', /does not compile/],
    ['~(a+)+$', /nests quantifiers/],
    ['web[x]', /\[x\] is not an index/],
    ['web[1:2:3]', /is not a slice/],
    ['fact:os', /expected fact:KEY=VALUE/],
    ['label:', /expected label:KEY/],
    ['we b', /whitespace/],
    ['web=1', /unexpected =/],
    ['x'.repeat(5000), /at most 4096 characters/],
  ];
  for (const [pattern, message] of errors) {
    test(`invalid: ${JSON.stringify(pattern.slice(0, 20))}`, () => {
      const r = resolvePattern(pattern, inventory);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.code, 'invalid-pattern');
        assert.match(r.error.message, message);
      }
    });
  }

  test('a list of patterns is their union; any bad one is the error', () => {
    const r = resolvePatterns(['web[0]', 'db'], inventory);
    assert.ok(r.ok);
    assert.deepEqual(r.value.hosts, ['db-1', 'db-2', 'web-1']);
    assert.equal(resolvePatterns(['web', 'nope'], inventory).ok, false);
  });

  // How long it takes is a bench figure (pattern_resolve_10k_ms, scripts/bench/inventory-ui.ts), never a bound here.
  test('10,000 hosts: the indexed and the plain snapshot resolve alike', () => {
    const hosts: InventoryHost[] = [];
    const groups = Array.from({ length: 100 }, (_, g) => ({
      name: `g${g}`,
      hosts: [] as string[],
      children: g % 10 === 0 && g > 0 ? [`g${g - 1}`] : [],
      vars: {},
    }));
    for (let i = 0; i < 10_000; i++) {
      hosts.push(host(`node-${i}`, { labels: { env: i % 3 ? 'prod' : 'dev' }, online: i % 7 !== 0 }));
      groups[i % 100]?.hosts.push(`node-${i}`);
    }
    const snapshot: InventorySnapshot = { hosts, groups };
    const pattern = 'g1:g2:g10:~node-9\\d\\d$:&label:env=prod:!node-1*';
    const r = resolvePattern(pattern, snapshot);
    assert.ok(r.ok);
    assert.ok(r.value.hosts.length > 100 && r.value.hosts.every((h) => !h.startsWith('node-1')));
    assert.deepEqual(resolvePattern(pattern, indexInventory(snapshot)), r);
  });
});
