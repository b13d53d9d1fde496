import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOrchestration } from './orchestration.js';

const file = (keys: string) => `- name: web\n  targets: [a, b]\n${keys}  jobs:\n    - RUN: echo hi\n`;

test('rollout keys load into the entry', () => {
  const r = loadOrchestration(
    file('  serial: [1, "25%"]\n  order: shuffle\n  max_fail_percentage: 50\n  pause: 2.5\n  approve: yes\n  concurrency: 3\n'),
    'f.yaml',
  );
  assert.ok(r.ok, JSON.stringify(r));
  const e = r.value.entries[0]!;
  assert.deepEqual([e.serial, e.order, e.maxFailPercentage, e.pause, e.approve, e.concurrency], [[1, '25%'], 'shuffle', 50, 2.5, true, 3]);
});

test('a file without them loads exactly as before', () => {
  const r = loadOrchestration(file(''), 'f.yaml');
  assert.ok(r.ok);
  assert.deepEqual(Object.keys(r.value.entries[0]!).sort(), ['jobs', 'location', 'name', 'sha', 'targets']);
});

test('bad values name the key, line and column', () => {
  for (const [keys, message] of [
    ['  serial: 0\n', /serial: expected a host count/],
    ['  serial: "150%"\n', /serial: expected/],
    ['  max_fail_percentage: 101\n', /max_fail_percentage: expected a number from 0 to 100/],
    ['  order: random\n', /order: expected shuffle or inventory/],
    ['  approve: maybe\n', /approve: expected true or false/],
    ['  concurrency: 1.5\n', /concurrency: expected a whole number/],
  ] as const) {
    const r = loadOrchestration(file(keys), 'f.yaml');
    assert.ok(!r.ok);
    assert.match(r.error.message, message);
    assert.equal(r.error.location?.line, 3);
  }
});
