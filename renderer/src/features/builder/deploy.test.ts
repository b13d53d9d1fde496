import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentManifest } from '#protocol/agents.js';
import { OrchestrationDoc } from '../yaml/orchestration-doc.js';
import { buildSubmission, deployProblems, deploySummary, unknownTargetProblems } from './deploy.js';

const RUN: ComponentManifest = {
  verb: 'RUN',
  summary: '',
  cacheable: true,
  requiresLock: false,
  builtin: true,
  args: {
    type: 'object',
    required: ['command'],
    properties: { command: { type: 'string', minLength: 1, title: 'Command', 'x-argv': 'rest' } },
  },
};
const manifest = (verb: string) => (verb === 'RUN' ? RUN : undefined);

test('submission: selected hosts fill entries without targets; names, vars and locations kept', () => {
  const doc = new OrchestrationDoc(
    '- name: a\n  jobs:\n  - RUN: echo 1\n    vars: {stdout_arg: x}\n- targets: [h9]\n  async: yes\n  jobs:\n  - RUN: echo 2\n',
    'o.yaml',
  );
  const sub = buildSubmission(doc.model, { selected: ['h1', 'h2'], source: 'o.yaml', sourceText: doc.text });
  assert.equal(sub.kind, 'orchestrate');
  assert.deepEqual(sub.entries[0]?.targets, ['h1', 'h2']);
  assert.deepEqual(sub.entries[1]?.targets, ['h9']);
  assert.equal(sub.entries[1]?.async, true);
  assert.deepEqual(sub.entries[0]?.jobs[0], { verb: 'RUN', text: 'echo 1', vars: { stdout_arg: 'x' }, location: { line: 3, column: 5 } });
  assert.deepEqual(deploySummary(doc.model, ['h1', 'h2'], ['h1', 'h2', 'h3']), { steps: 2, hosts: 3, names: ['h1', 'h2', 'h9'] });
  assert.deepEqual(deploySummary(doc.model, [], ['h1', 'h2', 'h3']), { steps: 2, hosts: 4, names: ['h1', 'h2', 'h3', 'h9'] });
});

test('problems block deploy: unknown verbs, invalid args, empty entries, YAML errors', () => {
  const doc = new OrchestrationDoc('- jobs:\n  - RUN: ""\n  - FOO: x\n- jobs: []\n', 'o.yaml');
  const problems = deployProblems(doc.model, manifest, 0).map((p) => p.message);
  assert.deepEqual(problems, ['Step 1 (RUN): Command: Required', 'Step 2 (FOO): No connected agent offers FOO', 'Entry 2 has no steps']);
  assert.deepEqual(
    deployProblems({ entries: [] }, manifest, 1).map((p) => p.message),
    ['The YAML has errors', 'Add a step to deploy'],
  );
});

test('the shared loader is the last word: what it refuses blocks deploy with file:line:column', () => {
  const doc = new OrchestrationDoc('- targets: ["bad name"]\n  jobs:\n  - RUN: echo 1\n', 'o.yaml');
  const problems = deployProblems(doc.model, manifest, 0, { text: doc.text, fileName: 'o.yaml' });
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /^o\.yaml:1:\d+: .*not a valid target name/);
  const good = new OrchestrationDoc('- jobs:\n  - RUN: echo 1\n', 'o.yaml');
  assert.deepEqual(deployProblems(good.model, manifest, 0, { text: good.text, fileName: 'o.yaml' }), []);
});

test('targets the server does not know block deploy, each named with the closest known hosts', () => {
  const doc = new OrchestrationDoc(
    '- name: web\n  targets: [node-1, nosuchhost, node4]\n  jobs:\n  - RUN: echo 1\n    assign: [node-2, node-9]\n- jobs:\n  - RUN: echo 2\n',
    'o.yaml',
  );
  const known = ['node-1', 'node-2', 'node-3'];
  assert.deepEqual(unknownTargetProblems(doc.model, known), [
    { entry: 0, job: null, message: 'Entry 1 (web): unknown targets nosuchhost; node4 (closest: node-1, node-2, node-3)' },
    { entry: 0, job: 0, message: 'Step 1 (RUN): unknown target node-9 (closest: node-1, node-2, node-3)' },
  ]);
  assert.equal(deployProblems(doc.model, manifest, 0, undefined, undefined, known).length, 2);
  assert.deepEqual(deployProblems(doc.model, manifest, 0, undefined, undefined, [...known, 'nosuchhost', 'node4', 'node-9']), []);
});
