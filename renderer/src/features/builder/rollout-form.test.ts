import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrchestrationDoc } from '../yaml/orchestration-doc.js';
import { loadOrchestration } from '#components/orchestration.js';
import { buildSubmission } from './deploy.js';
import { rolloutEdits } from './rollout-form.js';

const FILE =
  '- name: web\n  targets: [a, b]\n  serial: 1\n  max_fail_percentage: 50\n  jobs:\n  - RUN: echo hi\n- jobs:\n  - RUN: echo two\n';

test('a file with rollout keys opens without errors and keeps its text (import → export round trip)', () => {
  const doc = new OrchestrationDoc(FILE, 'web.yaml');
  assert.deepEqual(doc.errors, []);
  assert.equal(doc.text, FILE);
});

test('the Rollout section writes the YAML keys into every entry, and the submission carries them', () => {
  const doc = new OrchestrationDoc('- jobs:\n  - RUN: echo hi\n- jobs:\n  - RUN: echo two\n', 'o.yaml');
  const edits = rolloutEdits({ serial: '1, 25%', maxFail: '10', pause: 5, approve: true }, doc.model.entries.length);
  assert.ok(edits.ok);
  for (const e of edits.value) doc.edit(e);
  assert.deepEqual(doc.errors, []);
  const loaded = loadOrchestration(doc.text, 'o.yaml');
  assert.ok(loaded.ok, doc.text);
  for (const entry of loaded.value.entries)
    assert.deepEqual([entry.serial, entry.maxFailPercentage, entry.pause, entry.approve], [[1, '25%'], 10, 5, true]);
  const submission = buildSubmission(doc.model, { selected: [], source: 'o.yaml', sourceText: doc.text });
  assert.deepEqual(
    submission.entries.map((e) => [e.serial, e.approve]),
    [
      [[1, '25%'], true],
      [[1, '25%'], true],
    ],
  );
});

test('bad Rollout fields are refused with what to type', () => {
  const bad = rolloutEdits({ serial: 'half', maxFail: '', pause: '', approve: false }, 1);
  assert.ok(!bad.ok);
  assert.match(bad.message, /Serial: a host count/);
  const none = rolloutEdits({ serial: '', maxFail: '', pause: '', approve: false }, 3);
  assert.deepEqual(none, { ok: true, value: [] });
});
