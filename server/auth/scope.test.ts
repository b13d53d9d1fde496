/** Operator scopes until inventory patterns land (#16): names, globs, unions, intersections, exclusions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostInScope, outsideScope, scopeError } from './scope.js';

test('scope patterns: exact, glob, a:b, a:&b, a:!b', () => {
  const hosts = ['web1', 'web2', 'web3', 'db1', 'web-prod1', 'db-prod1'];
  const inScope = (p: string) => hosts.filter((h) => hostInScope(p, h));
  assert.deepEqual(inScope('web1'), ['web1']);
  assert.deepEqual(inScope('web*'), ['web1', 'web2', 'web3', 'web-prod1']);
  assert.deepEqual(inScope('web1:db1'), ['web1', 'db1']);
  assert.deepEqual(inScope('web*:&*prod*'), ['web-prod1']);
  assert.deepEqual(inScope('web*:!web3'), ['web1', 'web2', 'web-prod1']);
  assert.deepEqual(inScope('*:!db*:&*1'), ['web1', 'web-prod1']);
  assert.deepEqual(inScope('w.b1'), [], 'a dot is a dot, not any character');
  assert.deepEqual(outsideScope('web*:!web3', ['web1', 'web3', 'db1', 'web3']), ['web3', 'db1']);
  for (const bad of ['', 'web1:', ':web1', '!web1', '&web1', 'a:&']) assert.ok(scopeError(bad), bad);
  assert.equal(scopeError('web*:&prod'), null);
  assert.equal(hostInScope('', 'web1'), false, 'a broken scope admits nothing');
});
