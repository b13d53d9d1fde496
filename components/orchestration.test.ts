import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatWireError } from '../protocol/result.js';
import { builtinComponents } from './builtin/index.js';
import { loadOrchestration } from './orchestration.js';
import { parseJob } from './parse.js';
import { createRegistry } from './registry.js';
import { DIRECTORD_FIXTURES } from '../test/fixtures/directord.js';

const FIXTURES = DIRECTORD_FIXTURES;
const fixture = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');

test('the Directord fixtures load', () => {
  const cases: [string, number, number][] = [
    ['example.yaml', 2, 4],
    ['functional-tests.yaml', 2, 54],
    ['comparison-orchestration.yaml', 1, 1000],
  ];
  for (const [file, entries, jobs] of cases) {
    const r = loadOrchestration(fixture(file), file);
    assert.ok(r.ok, `${file}: ${r.ok ? '' : r.error.message}`);
    assert.equal(r.value.entries.length, entries, file);
    assert.equal(
      r.value.entries.reduce((n, e) => n + e.jobs.length, 0),
      jobs,
      file,
    );
    for (const entry of r.value.entries) assert.match(entry.sha ?? '', /^[0-9a-f]{56}$/);
  }
});

test('functional-tests.yaml: names, vars, folded strings, locations', () => {
  const r = loadOrchestration(fixture('functional-tests.yaml'), 'functional-tests.yaml');
  assert.ok(r.ok);
  const [first, second] = r.value.entries;
  assert.equal(first?.name, 'Functional test parent');
  assert.deepEqual(first?.location, { line: 5, column: 3 });
  assert.deepEqual(first?.jobs[0], { verb: 'RUN', text: 'echo named job', name: 'Job name test', location: { line: 7, column: 5 } });
  const jobs = second?.jobs ?? [];
  assert.deepEqual(jobs[5], {
    verb: 'RUN',
    text: 'echo hello world 3',
    vars: { stdout_arg: 'test_stdout_arg2' },
    location: { line: 28, column: 5 },
  });
  const folded = jobs.find((j) => j.text.startsWith('test_runtime_complex_arg_dict'));
  assert.equal(folded?.text, 'test_runtime_complex_arg_dict {"a": "b"}');
  assert.deepEqual(jobs.at(-1), { verb: 'ECHO', text: 'test', vars: { skip_cache: true }, location: { line: 130, column: 5 } });
});

test('every fixture job parses with the built-ins it uses', () => {
  const registry = createRegistry(builtinComponents);
  for (const file of ['example.yaml', 'functional-tests.yaml', 'comparison-orchestration.yaml']) {
    const r = loadOrchestration(fixture(file), file);
    assert.ok(r.ok);
    for (const job of r.value.entries.flatMap((e) => e.jobs)) {
      const component = registry.get(job.verb);
      if (!component) continue; // ADD/COPY/CACHEFILE/QUERY live elsewhere
      const parsed = parseJob(component, job.text, job.vars);
      assert.ok(parsed.ok, `${file}:${job.location?.line}: ${parsed.ok ? '' : parsed.error.message}`);
    }
  }
});

test('parent SHA is the SHA of the entry as loaded (spec 1.4 vector)', () => {
  const text = '- targets:\n  - test1\n  - test2\n  - test3\n  jobs:\n  - RUN: command1\n  - RUN: command2\n  - RUN: command3\n';
  const r = loadOrchestration(text, 'vector.yaml');
  assert.ok(r.ok);
  assert.equal(r.value.entries[0]?.sha, '5bc535e8fa927e4a4ab9ca188f8b560935b32a00dacc4f9e76b05d08');
  assert.deepEqual(r.value.entries[0]?.targets, ['test1', 'test2', 'test3']);
});

test('entry keys: assign wins over targets, async accepts strtobool words', () => {
  const text =
    '- targets: [a]\n  assign: [b, c]\n  async: "yes"\n  jobs:\n  - RUN: x\n    assign: [d]\n- async: off\n  name: n\n  jobs:\n  - RUN: y\n  - QUEUESENTINEL: true\n';
  const r = loadOrchestration(text, 't.yaml');
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.deepEqual(r.value.entries[0]?.targets, ['b', 'c']);
  assert.equal(r.value.entries[0]?.async, true);
  assert.deepEqual(r.value.entries[0]?.jobs[0]?.assign, ['d']);
  assert.equal(r.value.entries[1]?.async, false);
  assert.equal(r.value.entries[1]?.name, 'n', 'y/n are strings, as in PyYAML');
  assert.deepEqual(r.value.entries[1]?.jobs[1]?.text, 'true', 'a scalar job value keeps its source text');
});

const errors: [string, string, number | undefined, number | undefined, string | undefined][] = [
  ['- jobs: [RUN: x\n', 'YAML syntax error', 2, 1, undefined],
  ['- jobs:\n  - RUN: x\n  jobs: []\n', 'YAML syntax error: Map keys must be unique', 3, 3, undefined],
  ['jobs: []\n', 'an orchestration is a list of entries', 1, 1, undefined],
  ['', 'an orchestration is a list of entries', undefined, undefined, undefined],
  ['- jobs:\n  - RUN: x\n- name: n\n', 'entry has no jobs list', 3, 3, '[1].jobs'],
  ['- jobs: []\n', 'expected a non-empty list of jobs', 1, 9, '[0].jobs'],
  ['- jobs:\n  - RUN: x\n  bogus: 1\n', 'unknown key "bogus"', 3, 3, '[0].bogus'],
  ['- jobs:\n  - RUN: a\n  - RUN: b\n  - RUN: c\n  - RUN:\n', 'RUN expects a job string, got nothing', 5, 9, '[0].jobs[3].RUN'],
  ['- jobs:\n  - just a string\n', 'each job must be a mapping', 2, 5, '[0].jobs[0]'],
  ['- jobs:\n  - RUN: {a: 1}\n', 'RUN expects a job string, got a mapping', 2, 10, '[0].jobs[0].RUN'],
  ['- jobs:\n  - RUN: x\n    assign: node1\n', 'expected a list of target names', 3, 13, '[0].jobs[0].assign'],
  ['- jobs:\n  - RUN: x\n    vars: [1]\n', 'expected a mapping', 3, 11, '[0].jobs[0].vars'],
  ['- jobs:\n  - RUN: x\n    ARG: y\n', 'unknown job key "ARG"', 3, 5, '[0].jobs[0].ARG'],
  ['- targets: [ok, "bad name"]\n  jobs:\n  - RUN: x\n', '"bad name" is not a valid target name', 1, 17, '[0].targets[1]'],
  ['- async: maybe\n  jobs:\n  - RUN: x\n', 'expected true/false', 1, 10, '[0].async'],
  ['- name: [x]\n  jobs:\n  - RUN: x\n', 'expected a string, got a list', 1, 9, '[0].name'],
  ['- jobs:\n  - RUN: x\n- 42\n', 'each entry must be a mapping', 3, 3, '[1]'],
];

test('errors carry file, line, column and field path', () => {
  for (const [text, message, line, column, field] of errors) {
    const r = loadOrchestration(text, 'bad.yaml');
    assert.ok(!r.ok, `should fail: ${JSON.stringify(text)}`);
    assert.equal(r.error.code, 'invalid-job');
    assert.ok(r.error.message.startsWith(message), `${r.error.message} should start with ${message}`);
    assert.equal(r.error.location?.file, 'bad.yaml');
    assert.equal(r.error.location?.line, line, `${message}: line`);
    assert.equal(r.error.location?.column, column, `${message}: column`);
    assert.equal(r.error.location?.field, field, `${message}: field`);
  }
});

test('formatWireError shows file:line:column: field: message', () => {
  const r = loadOrchestration('- jobs:\n  - RUN: x\n    vars: [1]\n', 'bad.yaml');
  assert.ok(!r.ok);
  assert.equal(formatWireError(r.error), 'bad.yaml:3:11: [0].jobs[0].vars: expected a mapping of option names to values, got a list');
});
