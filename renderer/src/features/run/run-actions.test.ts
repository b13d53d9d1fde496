import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TargetState } from '#protocol/jobs.js';
import { cancelQuestion, rerunCurrentQuestion, rerunFailedQuestion, rerunQuestion, summaryPatterns, type RunPairs } from './run-actions.js';

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

test('re-run on current inventory names who the patterns reach now, and what changed', () => {
  const run = pairs({ 'web-1': { a: 'succeeded' }, 'web-2': { a: 'failed' } });
  const q = rerunCurrentQuestion(run, 'site.yaml', 'web:!web-3', ['web-1', 'web-4']);
  assert.equal(q.title, 'Re-run 1 step on 2 hosts of the current inventory?');
  assert.equal(q.confirmLabel, 'Re-run on current inventory');
  assert.deepEqual(q.hosts, ['web-1', 'web-4']);
  assert.match(
    q.detail ?? '',
    /patterns \(web:!web-3\) resolved against the inventory as it is now \(new: web-4; no longer matched: web-2\)\.$/,
  );
  assert.match(rerunCurrentQuestion(run, 'x', 'web', ['web-1', 'web-2']).detail ?? '', /\(the same hosts as before\)\.$/);
  const unknown = rerunCurrentQuestion(run, 'x', 'gone', null);
  assert.equal(unknown.title, 'Re-run 1 step on the current inventory?');
  assert.equal(unknown.hosts, undefined);
  assert.deepEqual(summaryPatterns('prod:&label:env=prod, web[0] | db'), ['prod:&label:env=prod', 'web[0]', 'db']);
});
