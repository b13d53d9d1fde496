import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestNames, describeUnknown, editDistance } from './names.js';

test('edit distance counts inserts, deletes and substitutions', () => {
  assert.equal(editDistance('', ''), 0);
  assert.equal(editDistance('node-1', 'node-1'), 0);
  assert.equal(editDistance('node1', 'node-1'), 1);
  assert.equal(editDistance('nod-2', 'node-1'), 2);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('abc', ''), 3);
});

test('closest names rank by distance, keep the known order on ties, and drop far names', () => {
  const known = ['web-1', 'web-2', 'db-1', 'node-10'];
  assert.deepEqual(closestNames('web1', known), ['web-1', 'web-2']);
  assert.deepEqual(closestNames('WEB-2', known), ['web-2', 'web-1']);
  assert.deepEqual(closestNames('db-2', known, 1), ['db-1']);
  assert.deepEqual(closestNames('nosuchhost', known), []);
  assert.deepEqual(closestNames('web-1', ['web-1', 'web-1']), ['web-1']);
});

test('describeUnknown names each unknown one with its suggestions', () => {
  assert.equal(describeUnknown(['node1', 'zzzzzzzz'], ['node-1', 'node-2']), 'node1 (closest: node-1, node-2); zzzzzzzz');
});
