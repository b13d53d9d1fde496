import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { OrchestrationDoc } from './orchestration-doc.js';

const FIXTURES = new URL('../../../../test/fixtures/directord/', import.meta.url);
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));

function changedLines(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let start = 0;
  while (start < x.length && x[start] === y[start]) start++;
  let endA = x.length - 1;
  let endB = y.length - 1;
  while (endA >= start && endB >= start && x[endA] === y[endB]) {
    endA--;
    endB--;
  }
  return Math.max(endA, endB) - start + 1;
}

test('every fixture opens without errors and keeps its text until the first edit', () => {
  assert.ok(fixtures.length >= 3);
  for (const f of fixtures) {
    const text = readFileSync(new URL(f, FIXTURES), 'utf8');
    const doc = new OrchestrationDoc(text, f);
    assert.deepEqual(doc.errors, [], f);
    assert.ok(doc.model.entries.length > 0, f);
    assert.equal(doc.text, text, f);
  }
});

test('the 1000-job comparison file has 1000 steps', () => {
  const text = readFileSync(new URL('comparison-orchestration.yaml', FIXTURES), 'utf8');
  const doc = new OrchestrationDoc(text, 'comparison-orchestration.yaml');
  assert.equal(
    doc.model.entries.reduce((n, e) => n + e.jobs.length, 0),
    1000,
  );
});

test('editing one job string changes only that line, comments and blank lines stay', () => {
  const text = readFileSync(new URL('functional-tests.yaml', FIXTURES), 'utf8');
  const doc = new OrchestrationDoc(text, 'functional-tests.yaml');
  doc.edit({ kind: 'set-job-text', at: { entry: 1, job: 0 }, text: 'echo hello there' });
  assert.equal(changedLines(text, doc.text), 1);
  assert.match(doc.text, /- RUN: echo hello there\n/);
  assert.equal(doc.model.entries[1]?.jobs[0]?.text, 'echo hello there');
  assert.ok(doc.text.includes('# Test --skip-cache with RUN'));
});

test('inserting, moving and removing steps touch only their lines', () => {
  const text = readFileSync(new URL('example.yaml', FIXTURES), 'utf8');
  const doc = new OrchestrationDoc(text, 'example.yaml');
  doc.edit({ kind: 'insert-job', at: { entry: 0, job: 3 }, verb: 'RUN', text: 'uptime' });
  assert.equal(doc.text.split('\n').length, text.split('\n').length + 1);
  assert.match(doc.text, /home\/centos\/.ssh\/\n {2}- RUN: uptime\n/);
  doc.edit({ kind: 'move-job', from: { entry: 0, job: 3 }, to: { entry: 1, job: 0 } });
  assert.deepEqual(
    doc.model.entries[1]?.jobs.map((j) => j.text),
    ['uptime', 'dnf install -y wget'],
  );
  doc.edit({ kind: 'remove-job', at: { entry: 1, job: 0 } });
  assert.equal(doc.text, text);
});

test('undo and redo restore texts exactly', () => {
  const text = readFileSync(new URL('example.yaml', FIXTURES), 'utf8');
  const doc = new OrchestrationDoc(text, 'example.yaml');
  doc.edit({ kind: 'set-entry-name', index: 0, name: 'global' });
  const named = doc.text;
  assert.match(named, /^- name: global\n\s\sjobs:/m);
  doc.edit({ kind: 'set-entry-async', index: 1, async: true });
  assert.ok(doc.undo());
  assert.equal(doc.text, named);
  assert.ok(doc.undo());
  assert.equal(doc.text, text);
  assert.ok(doc.redo());
  assert.equal(doc.text, named);
});

test('typing into one field coalesces into a single undo step', () => {
  let now = 0;
  const doc = new OrchestrationDoc('- jobs:\n  - RUN: a\n', 'x.yaml');
  (doc.history as unknown as { now: () => number }).now = () => now;
  for (const t of ['ab', 'abc', 'abcd']) {
    now += 100;
    doc.edit({ kind: 'set-job-text', at: { entry: 0, job: 0 }, text: t }, 'text:0:0');
  }
  assert.ok(doc.undo());
  assert.equal(doc.text, '- jobs:\n  - RUN: a\n');
});

test('an invalid text keeps the last valid model and reports line and column', () => {
  const doc = new OrchestrationDoc('- jobs:\n  - RUN: echo hi\n', 'x.yaml');
  const ok = doc.setText('- jobs:\n  - RUN: echo hi\n  bad: [\n');
  assert.equal(ok, false);
  assert.equal(doc.model.entries[0]?.jobs[0]?.text, 'echo hi');
  assert.ok(doc.errors.length > 0);
  assert.ok((doc.errors[0]?.line ?? 0) >= 3);
  assert.ok((doc.errors[0]?.column ?? 0) >= 1);
  doc.revert();
  assert.equal(doc.text, '- jobs:\n  - RUN: echo hi\n');
});

test('semantic errors point at the offending node', () => {
  const doc = new OrchestrationDoc('- jobs:\n  - run: echo hi\n', 'x.yaml');
  assert.equal(doc.errors[0]?.line, 2);
  assert.equal(doc.errors[0]?.column, 5);
  assert.match(doc.errors[0]?.message ?? '', /not a verb/);
});

test('a new document grows from empty with block sequences', () => {
  const doc = new OrchestrationDoc('', 'new.yaml');
  doc.edit({ kind: 'insert-entry', index: 0, name: 'main' });
  doc.edit({ kind: 'insert-job', at: { entry: 0, job: 0 }, verb: 'RUN', text: 'echo {{ x }}' });
  doc.edit({ kind: 'set-entry-targets', index: 0, targets: ['a', 'b'] });
  assert.equal(doc.text, '- name: main\n  targets:\n    - a\n    - b\n  jobs:\n    - RUN: echo {{ x }}\n');
  assert.equal(doc.model.entries[0]?.jobs[0]?.text, 'echo {{ x }}');
});

test('duplicate and entry moves keep comments with their nodes', () => {
  const text = '# head\n- name: one\n  jobs:\n  # c1\n  - RUN: a\n\n- name: two\n  jobs:\n  - RUN: b\n';
  const doc = new OrchestrationDoc(text, 'x.yaml');
  doc.edit({ kind: 'duplicate-job', at: { entry: 0, job: 0 } });
  assert.deepEqual(
    doc.model.entries[0]?.jobs.map((j) => j.text),
    ['a', 'a'],
  );
  doc.edit({ kind: 'move-entry', from: 1, to: 0 });
  assert.deepEqual(
    doc.model.entries.map((e) => e.name),
    ['two', 'one'],
  );
  assert.ok(doc.text.startsWith('- name: two'));
  assert.ok(doc.text.includes('\n\n# head\n- name: one'));
  assert.ok(doc.text.includes('# c1'));
});
