/** Operator scopes in the inventory pattern language: groups, labels, globs, set operations; failing closed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexInventory } from '../../protocol/inventory/resolve.js';
import type { InventoryHost } from '../../protocol/inventory/types.js';
import { outsideScope, scopeError, scopeHosts } from './scope.js';

const host = (name: string, labels: Record<string, string> = {}): InventoryHost => ({
  name,
  labels,
  vars: {},
  facts: { os: name.startsWith('db') ? 'debian' : 'alpine' },
  online: true,
  enrolled: true,
  ssh: null,
});
const index = indexInventory({
  hosts: [
    host('web1', { env: 'prod' }),
    host('web2', { env: 'prod' }),
    host('web3', { env: 'staging' }),
    host('db1', { env: 'prod' }),
    host('web-x'),
  ],
  groups: [
    { name: 'web', hosts: ['web1', 'web2', 'web3'], children: [], vars: {} },
    { name: 'db', hosts: ['db1'], children: [], vars: {} },
    { name: 'prod', hosts: [], children: ['web'], vars: {} },
  ],
});
const inScope = (p: string) => [...scopeHosts(p, index)];

test('scopes speak the inventory language: groups, labels, facts, globs, a:b, a:&b, a:!b, slices', () => {
  assert.deepEqual(inScope('web:&label:env=prod'), ['web1', 'web2']);
  assert.deepEqual(inScope('web'), ['web1', 'web2', 'web3']);
  assert.deepEqual(inScope('prod'), ['web1', 'web2', 'web3'], 'a group of groups');
  assert.deepEqual(inScope('web1:db1'), ['db1', 'web1']);
  assert.deepEqual(inScope('web*:!web3'), ['web-x', 'web1', 'web2']);
  assert.deepEqual(inScope('all:!db'), ['web-x', 'web1', 'web2', 'web3']);
  assert.deepEqual(inScope('label:env=prod'), ['db1', 'web1', 'web2']);
  assert.deepEqual(inScope('fact:os=debian'), ['db1']);
  assert.deepEqual(inScope('web[0:1]'), ['web1', 'web2']);
  assert.deepEqual(inScope('w.b1'), [], 'a dot is a dot, not any character');
  assert.deepEqual(outsideScope('web:&label:env=prod', ['web1', 'web3', 'db1', 'web3'], index), ['web3', 'db1']);
});

test('a scope fails closed: unknown names add nothing, an unknown & empties it, hosts outside the inventory are outside', () => {
  assert.deepEqual(inScope('web1:gone'), ['web1'], 'an unknown name adds nothing');
  assert.deepEqual(inScope('web:!gone'), ['web1', 'web2', 'web3'], 'excluding an unknown name excludes nothing');
  assert.deepEqual(inScope('web:&gone'), [], 'intersecting with an unknown name leaves nothing');
  assert.deepEqual(inScope('gone:!db'), [], 'no known start: nothing (never every host)');
  assert.deepEqual(outsideScope('web', ['web1', 'not-in-inventory'], index), ['not-in-inventory']);
  assert.deepEqual(inScope('web:'), [], 'a broken scope admits nothing');
});

test('scopeError: parse errors and scopes with nothing to start from', () => {
  for (const bad of ['', '!web1', '&web1', '&web:!db', '~(a+)+', 'web[x]']) assert.ok(scopeError(bad), bad);
  assert.match(scopeError('!web1')?.message ?? '', /needs at least one host, group or pattern to start from/);
  for (const good of ['web*:&prod', 'web:&label:env=prod', 'all:!db', '~^web[0-9]+$', 'label:team'])
    assert.equal(scopeError(good), null, good);
});
