import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOME, parseRoute, routeHash } from './route.js';

test('addresses name a view, and a run by id', () => {
  assert.deepEqual(parseRoute(''), { view: HOME, runId: null });
  assert.deepEqual(parseRoute('#/'), { view: HOME, runId: null });
  assert.deepEqual(parseRoute('#/nope'), { view: HOME, runId: null });
  assert.deepEqual(parseRoute('#/history'), { view: 'history', runId: null });
  assert.deepEqual(parseRoute('#/run/abc-1'), { view: 'run', runId: 'abc-1' });
  assert.deepEqual(parseRoute('#/run/%E0%A4%A'), { view: 'run', runId: null }, 'a broken escape is no id');
  assert.deepEqual(parseRoute('#/hosts/x'), { view: 'hosts', runId: null });
});

test('routeHash is parseRoute backwards', () => {
  for (const [view, id] of [
    ['run', 'a/b c'],
    ['builder', null],
    ['command', null],
  ] as const) {
    assert.deepEqual(parseRoute(routeHash(view, id)), { view, runId: id });
  }
  assert.equal(routeHash('run', null), '#/run');
});
