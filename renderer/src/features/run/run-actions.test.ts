import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TargetState } from '#protocol/jobs.js';
import { cancelQuestion, rerunFailedQuestion, rerunQuestion, type RunPairs } from './run-actions.js';

function pairs(states: Record<string, Record<string, TargetState>>): RunPairs {
  const jobs = [...new Set(Object.values(states).flatMap((row) => Object.keys(row)))];
  return { jobs, hosts: Object.keys(states), state: (host, jobId) => states[host]?.[jobId] };
}

test('re-run names every step and host', () => {
  const run = pairs({ 'web-1': { a: 'succeeded', b: 'succeeded' }, 'web-2': { a: 'failed', b: 'cancelled' }, 'db-1': { a: 'succeeded' } });
  const q = rerunQuestion(run, 'site.yaml');
  assert.equal(q.title, 'Re-run 2 steps on 3 hosts?');
  assert.deepEqual(q.hosts, ['web-1', 'web-2', 'db-1']);
  assert.match(q.detail ?? '', /site\.yaml/);
});

test('re-run failed counts only what did not succeed and says the rest is not repeated', () => {
  const q = rerunFailedQuestion(pairs({ 'web-1': { a: 'succeeded', b: 'succeeded' }, 'web-2': { a: 'succeeded', b: 'timed-out' } }), 'x');
  assert.equal(q?.title, 'Re-run 1 failed step on web-2?');
  assert.match(q?.detail ?? '', /steps that succeeded are not repeated/);
  assert.equal(rerunFailedQuestion(pairs({ h: { a: 'succeeded' } }), 'x'), null);
  assert.equal(
    rerunFailedQuestion(pairs({ h: { a: 'lost', b: 'failed' }, g: { a: 'failed' } }), 'x')?.title,
    'Re-run 2 failed steps on 2 hosts?',
  );
});

test('cancel counts the queued and running (job, host) pairs', () => {
  const run = pairs({ a: { j1: 'running', j2: 'queued' }, b: { j1: 'succeeded', j2: 'queued' }, c: { j1: 'failed' } });
  const q = cancelQuestion(run, 'x');
  assert.equal(q?.title, 'Cancel 3 jobs on 2 hosts?');
  assert.deepEqual(q?.hosts, ['a', 'b']);
  assert.equal(q?.danger, true);
  assert.equal(q?.cancelLabel, 'Keep running', 'not a second "Cancel" next to "Cancel run"');
  assert.equal(cancelQuestion(pairs({ a: { j: 'succeeded' } }), 'x'), null);
});
