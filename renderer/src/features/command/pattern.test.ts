import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveHostPattern } from './pattern.js';
import { hostList } from '../../lib/util/hosts.js';

const hosts = { online: ['web-1', 'web-2', 'db-1'], known: ['web-1', 'web-2', 'db-1', 'old'] };

test('empty or "all" is every online host', () => {
  assert.deepEqual(resolveHostPattern('', hosts), { ok: true, hosts: ['web-1', 'web-2', 'db-1'], all: true });
  assert.deepEqual(resolveHostPattern(' ALL ', hosts), { ok: true, hosts: ['web-1', 'web-2', 'db-1'], all: true });
  assert.deepEqual(resolveHostPattern('all', { online: [], known: [] }), { ok: false, message: 'No hosts yet' });
  assert.deepEqual(resolveHostPattern('', { online: [], known: ['old'] }), { ok: false, message: 'No host is online' });
});

test('a comma or space separated list names hosts; unknown ones get the closest names; offline ones are refused', () => {
  assert.deepEqual(resolveHostPattern('web-2, db-1 web-2', hosts), { ok: true, hosts: ['web-2', 'db-1'], all: false });
  assert.deepEqual(resolveHostPattern('web-1,web3', hosts), { ok: false, message: 'Unknown host: web3 (closest: web-1, web-2)' });
  assert.deepEqual(resolveHostPattern('old', hosts), { ok: false, message: 'Offline: old' });
  assert.equal(resolveHostPattern('all, web-1', hosts).ok, false);
});

test('host lists are shortened past a maximum', () => {
  assert.equal(hostList(['a', 'b']), 'a, b');
  assert.equal(hostList(['a', 'b', 'c', 'd', 'e', 'f'], 4), 'a, b, c, d, … and 2 more');
});
