import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EntryRollout, RunRollout } from '../../protocol/rollouts.js';
import { waveLines, type WavePrinter } from './waves.js';

const entry = (released: number, state: EntryRollout['state']): EntryRollout => ({
  entry: 0,
  name: 'web',
  mode: 'serial',
  jobIds: ['j1'],
  waves: [['a'], ['b'], ['c']],
  released,
  state,
  haltReason: null,
  resumeAt: null,
  maxFailPercentage: 0,
  approve: false,
  pause: 0,
  concurrency: null,
});
const rollout = (e: EntryRollout): RunRollout => ({ runId: 'r1', state: e.state, entries: [e] });

test('waves print in order, an end before the next start, even when one poll saw several', () => {
  const printed: WavePrinter = new Map();
  assert.deepEqual(waveLines(rollout(entry(1, 'running')), printed, false), ['Wave 1/3 of web started: a']);
  // Fast jobs: by the next poll wave 1 ended and waves 2 and 3 were released.
  assert.deepEqual(waveLines(rollout(entry(3, 'running')), printed, false), [
    'Wave 1/3 of web ended',
    'Wave 2/3 of web started: b',
    'Wave 2/3 of web ended',
    'Wave 3/3 of web started: c',
  ]);
  assert.deepEqual(waveLines(rollout(entry(3, 'done')), printed, true), ['Wave 3/3 of web ended']);
  assert.deepEqual(waveLines(rollout(entry(3, 'done')), printed, true), [], 'nothing twice');
});

test('a first poll of a run that already finished prints every wave in order', () => {
  assert.deepEqual(waveLines(rollout(entry(2, 'done')), new Map(), true), [
    'Wave 1/3 of web started: a',
    'Wave 1/3 of web ended',
    'Wave 2/3 of web started: b',
    'Wave 2/3 of web ended',
  ]);
});
