import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostStatusOf, runStatusOf, stateLabel, RUN_STATUSES, HOST_STATUSES } from './states.js';

test('a host comes to the state of its first job that did not succeed, not to the failures it caused', () => {
  assert.equal(hostStatusOf(['succeeded', 'timed-out', 'failed', 'failed']), 'timed-out');
  assert.equal(hostStatusOf(['lost', 'failed']), 'lost');
  assert.equal(hostStatusOf(['succeeded', 'cancelled', 'cancelled']), 'cancelled');
  assert.equal(hostStatusOf(['failed', 'timed-out']), 'failed');
  assert.equal(hostStatusOf(['succeeded', 'succeeded']), 'succeeded');
  assert.equal(hostStatusOf(['succeeded', 'queued']), 'running');
  assert.equal(hostStatusOf(['dispatched', 'queued']), 'queued');
  assert.equal(hostStatusOf([]), 'queued');
});

test('a run is failed only when some host failed; timed-out, lost and cancelled are their own', () => {
  assert.equal(runStatusOf(['timed-out', 'timed-out', 'succeeded'], false), 'timed-out');
  assert.equal(runStatusOf(['lost', 'timed-out'], false), 'timed-out');
  assert.equal(runStatusOf(['lost', 'failed'], false), 'failed');
  assert.equal(runStatusOf(['lost'], false), 'lost');
  assert.equal(runStatusOf(['cancelled', 'succeeded'], false), 'cancelled');
  assert.equal(runStatusOf(['failed'], true), 'cancelled');
  assert.equal(runStatusOf([], false), 'succeeded');
});

test('one label per state, every status listed', () => {
  assert.equal(stateLabel('timed-out'), 'timed out');
  assert.deepEqual([...RUN_STATUSES], ['running', 'halted', 'awaiting-approval', 'succeeded', 'failed', 'timed-out', 'lost', 'cancelled']);
  assert.ok(HOST_STATUSES.includes('lost') && HOST_STATUSES.includes('cancelled'));
});
