import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '#protocol/records.js';
import { nestRuns, resultParts, runTitle } from './rows.js';

const counts = { queued: 0, dispatched: 0, running: 0, succeeded: 0, failed: 0, 'timed-out': 0, lost: 0, cancelled: 0 };
const run = (runId: string, partOf: string | null = null, extra: Partial<RunSummary> = {}): RunSummary => ({
  runId,
  kind: 'orchestrate',
  source: 'a.yaml',
  requestedBy: 'test',
  createdAt: 0,
  finishedAt: null,
  status: 'running',
  jobCount: 1,
  targets: [],
  verbs: [],
  counts,
  rerunOf: null,
  partOf,
  title: null,
  ...extra,
});

test('internal runs nest under their run, oldest first; orphans stay rows of their own', () => {
  const rows = nestRuns([run('q2', 'p'), run('q1', 'p'), run('p'), run('lonely', 'gone'), run('other')]);
  assert.deepEqual(
    rows.map((r) => [r.run.runId, r.children.map((c) => c.runId)]),
    [
      ['p', ['q1', 'q2']],
      ['lonely', []],
      ['other', []],
    ],
  );
});

test('exec runs are titled by their command; results name every state', () => {
  assert.equal(runTitle({ source: null, title: 'RUN echo hi', kind: 'exec' }), 'exec: RUN echo hi');
  assert.equal(runTitle({ source: 'site.yaml', title: null, kind: 'orchestrate' }), 'site.yaml');
  assert.equal(runTitle({ source: null, title: null, kind: 'exec' }), 'exec');
  assert.deepEqual(
    resultParts({ ...counts, succeeded: 3, 'timed-out': 4, lost: 1 }).map((p) => p.text),
    ['3 ok', '4 timed out', '1 lost'],
  );
});
