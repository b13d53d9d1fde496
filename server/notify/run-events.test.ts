import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunSummary } from '../../protocol/records.js';
import { runEventOf } from './run-events.js';

const run = (status: string, finishedAt: number | null = null) => ({ runId: 'r', status, finishedAt }) as unknown as RunSummary;

test('run summaries become events once each: started, then an end; rollout pauses and their resolution', () => {
  assert.equal(runEventOf(run('running'), undefined), 'started');
  assert.equal(runEventOf(run('running'), 'started'), null, 'progress of a running run is no event');
  assert.equal(runEventOf(run('succeeded', 1), 'started'), 'succeeded');
  assert.equal(runEventOf(run('failed', 1), undefined), 'failed', 'a run settled at submit ends without starting');
  assert.equal(runEventOf(run('cancelled', 1), 'started'), null);
  // Issue #17's states, once runs report them.
  assert.equal(runEventOf(run('awaiting-approval'), 'started'), 'awaiting-approval');
  assert.equal(runEventOf(run('awaiting-approval'), 'awaiting-approval'), null);
  assert.equal(runEventOf(run('halted'), 'awaiting-approval'), 'halted');
});
