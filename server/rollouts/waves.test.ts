import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutWaves, rolloutSpec, shuffled } from './waves.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);

test('serial: a count, a percentage (rounded down, at least 1), a list whose last size repeats', () => {
  assert.deepEqual(cutWaves(hosts(4), 1), [['h1'], ['h2'], ['h3'], ['h4']]);
  assert.deepEqual(cutWaves(hosts(5), 2), [['h1', 'h2'], ['h3', 'h4'], ['h5']]);
  assert.deepEqual(cutWaves(hosts(8), '25%'), [
    ['h1', 'h2'],
    ['h3', 'h4'],
    ['h5', 'h6'],
    ['h7', 'h8'],
  ]);
  assert.deepEqual(cutWaves(hosts(3), '10%'), [['h1'], ['h2'], ['h3']]);
  assert.deepEqual(
    cutWaves(hosts(10), [1, '20%', '50%']).map((w) => w.length),
    [1, 2, 5, 2],
  );
});

test('an entry without rollout keys runs as today; serial defaults max_fail_percentage to 0', () => {
  const entry = { jobs: [{ verb: 'RUN', text: 'true' }] };
  assert.equal(rolloutSpec(entry, hosts(3), undefined, Math.random), null);
  const spec = rolloutSpec({ ...entry, serial: 1 }, hosts(3), undefined, Math.random);
  assert.equal(spec?.maxFailPercentage, 0);
  assert.equal(spec?.mode, 'serial');
  assert.equal(
    rolloutSpec({ ...entry, concurrency: 5 }, hosts(3), undefined, Math.random),
    null,
    'a cap above the host count changes nothing',
  );
  assert.deepEqual(rolloutSpec(entry, hosts(3), 2, Math.random)?.waves, [['h1'], ['h2'], ['h3']]);
});

test('order: shuffle permutes the hosts (seeded)', () => {
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const out = shuffled(hosts(6), random);
  assert.deepEqual([...out].sort(), hosts(6));
  assert.notDeepEqual(out, hosts(6));
});
