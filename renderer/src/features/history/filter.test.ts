import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_FORM, toRunFilter } from './filter.js';

test('history form → run filter', () => {
  assert.deepEqual(toRunFilter(EMPTY_FORM), {});
  const f = toRunFilter({
    text: ' deploy ',
    status: 'failed',
    target: 'web-1',
    verb: 'run',
    requestedBy: '',
    from: '2024-01-02',
    to: '2024-01-02',
  });
  assert.equal(f.text, 'deploy');
  assert.equal(f.status, 'failed');
  assert.equal(f.verb, 'RUN');
  assert.equal(f.target, 'web-1');
  assert.equal((f.until ?? 0) - (f.since ?? 0), 24 * 3600 * 1000 - 1);
});

test('requested by: runs a schedule or trigger started', () => {
  assert.deepEqual(toRunFilter({ ...EMPTY_FORM, requestedBy: ' schedule:nightly ' }), { requestedBy: 'schedule:nightly' });
});
